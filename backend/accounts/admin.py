"""Admin for users, municipalities, departments, partner organisations and memberships: configuration,
edited by the coordinator of each municipality (``backend.accounts.admin_site`` says who may use the admin).

Also home of what every Rámec admin shares: scoping (superusers, the platform operators, see everything; a
coordinator only the municipalities they coordinate, and anything else answers 404 as if it did not exist) and
the read-only mixin for records only services write.
"""

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.sites import NotRegistered
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from backend.accounts.admin_site import admin_allowed
from backend.accounts.models import (
    GROUP_KINDS,
    Department,
    Invitation,
    Membership,
    Municipality,
    PartnerOrganization,
    User,
)
from backend.accounts.privacy import user_anonymise
from backend.accounts.selectors import department_list_visible, municipality_list_visible, user_access
from backend.accounts.services import department_create, membership_grant, organization_create, user_deactivate
from backend.accounts.sessions import user_sessions_end
from backend.core.errors import DomainError
from backend.core.formsets import ConstraintCheckedInlineFormSet
from backend.core.models import AuditEntry


def coordinated_municipality_ids(user: User) -> frozenset[int]:
    """The municipalities whose configuration the user edits in the admin: those they coordinate.

    A head, manager or staff role gives none (their work is in the application), nor does a partner guest's
    organisation.
    """
    return user_access(user=user).coordinator_of


def shared_and_coordinated(request, queryset: QuerySet) -> QuerySet:
    """Rows of every town (no municipality) and of the towns the user coordinates; everything for an operator."""
    if request.user.is_superuser:
        return queryset
    return queryset.filter(
        Q(municipality__isnull=True) | Q(municipality_id__in=coordinated_municipality_ids(request.user))
    )


class ReadOnlyAdminMixin:
    """For records only services write: they can be looked at here, never added, changed or deleted."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MunicipalityScopedMixin:
    """Restricts an admin (or inline) to the rows of the municipalities the user coordinates.

    ``municipality_lookup`` leads from the model to its municipality's id. The choices of foreign keys
    and many-to-many fields are what the related model's admin shows the same user, so nobody can pick
    another municipality's department, person or project; fields in ``unscoped_choice_fields`` keep
    every row. An object outside the scope answers 404, exactly like one that does not exist.
    Every permission also needs the admin's own rule (``admin_allowed``), whatever Django permissions say.
    """

    municipality_lookup = "municipality_id"
    unscoped_choice_fields: tuple[str, ...] = ()

    def restrict_to_own_municipalities(self, request, queryset: QuerySet) -> QuerySet:
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.municipality_lookup}__in": coordinated_municipality_ids(request.user)})

    def get_queryset(self, request):
        return self.restrict_to_own_municipalities(request, super().get_queryset(request))

    def get_object(self, request, object_id, from_field=None):
        # Django would redirect to the index saying the object does not exist; we answer as the API does.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(gettext("Not found."))
        return obj

    def get_field_queryset(self, db, db_field, request):
        queryset = super().get_field_queryset(db, db_field, request)
        if request.user.is_superuser or db_field.name in self.unscoped_choice_fields:
            return queryset
        try:
            related_admin = self.admin_site.get_model_admin(db_field.remote_field.model)
        except NotRegistered:
            return queryset
        return related_admin.get_queryset(request).using(db)

    def has_view_permission(self, request, obj=None):
        return admin_allowed(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return admin_allowed(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return admin_allowed(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return admin_allowed(request.user) and super().has_delete_permission(request, obj)


def save_formset_through(formset, create: Callable[[Model], Model]) -> None:
    """Save an inline formset with each new row made by ``create`` (a service) from the form's unsaved
    instance; changed rows are saved as the form does, deleted ones deleted. Sets what the admin's change
    message reads (``new_objects``, ``changed_objects``, ``deleted_objects``)."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    for form in formset.initial_forms:
        if form in formset.deleted_forms:
            formset.deleted_objects.append(form.instance)
            formset.delete_existing(form.instance)
        elif form.has_changed():
            formset.changed_objects.append((formset.save_existing(form, form.instance), form.changed_data))
    for form in formset.extra_forms:
        if form.has_changed() and form not in formset.deleted_forms:
            formset.new_objects.append(create(form.save(commit=False)))


def _membership_grant_from(membership: Membership) -> Membership:
    return membership_grant(
        user=membership.user,
        role=membership.role,
        municipality=membership.municipality,
        department=membership.department,
        organization=membership.organization,
    )


def _department_create_from(department: Department) -> Department:
    return department_create(municipality=department.municipality, code=department.code, name=department.name)


def _take_over(unsaved: Model, saved: Model) -> None:
    """Make the admin's unsaved instance the row a service saved, for the admin's log and redirect."""
    unsaved.__dict__.update(saved.__dict__)


class MembershipInlineFormSet(ConstraintCheckedInlineFormSet):
    """A coordinator sees a person through their role in the coordinator's municipality: a new person
    without one would vanish from their list the moment it is saved."""

    needs_a_membership = False

    def clean(self) -> None:
        super().clean()
        if not self.needs_a_membership or any(self.errors):
            return
        kept = [
            form
            for form in self.forms
            if form not in self.deleted_forms and (form.instance.pk is not None or form.has_changed())
        ]
        if not kept:
            raise forms.ValidationError(gettext("Give the person a role in your municipality."))


class MembershipInline(MunicipalityScopedMixin, admin.TabularInline):
    """Roles are granted (``membership_grant``) and withdrawn, never rewritten in place."""

    model = Membership
    fk_name = "user"
    fields = ("municipality", "role", "department", "organization")
    formset = MembershipInlineFormSet
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.needs_a_membership = not request.user.is_superuser
        return formset

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(MunicipalityScopedMixin, DjangoUserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email", "language")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Personal info"), {"classes": ("wide",), "fields": ("first_name", "last_name", "email", "language")}),
    )
    list_display = ("username", "first_name", "last_name", "email", "language", "is_staff", "is_active")
    list_filter = ("is_staff", "is_superuser", "is_active", "language", "groups")
    inlines = (MembershipInline,)

    def restrict_to_own_municipalities(self, request, queryset):
        if request.user.is_superuser:
            return queryset
        # People with any role in the municipalities the user coordinates; platform operators are not theirs.
        own = coordinated_municipality_ids(request.user)
        members = Membership.objects.filter(municipality_id__in=own)
        # Someone who also belongs to another municipality is not this coordinator's alone to edit (a password
        # reset would open the other municipality's data): only platform operators manage such accounts.
        elsewhere = Membership.objects.exclude(municipality_id__in=own)
        return queryset.filter(pk__in=members.values("user_id"), is_superuser=False).exclude(
            pk__in=elsewhere.values("user_id")
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if request.user.is_superuser:
            return readonly
        # Only platform operators hand out Django-level rights.
        return (*readonly, "is_superuser", "groups", "user_permissions")

    def has_delete_permission(self, request, obj=None):
        # A coordinator deactivates or anonymises a person (the actions below); deleting would take their
        # comments' authorship and the history's actors with them.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        switched_off = change and "is_active" in form.changed_data and not obj.is_active
        if switched_off:
            obj.is_active = True  # user_deactivate switches it off, and ends the sessions and API tokens too
        super().save_model(request, obj, form, change)
        if switched_off:
            try:
                user_deactivate(actor=request.user, user=obj)
            except DomainError as error:
                self.message_user(request, f"{obj.get_full_name() or obj.username}: {error}", messages.ERROR)

    def save_formset(self, request, form, formset, change):
        if formset.model is Membership:
            save_formset_through(formset, _membership_grant_from)
        else:
            super().save_formset(request, form, formset, change)

    def user_change_password(self, request, id, form_url=""):
        """Django's password form, and then, as a password change in the profile does, the person's other
        sessions and every API token end (a token would otherwise outlive the password it was got with)."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, unquote(id))
            keep = request.session.session_key if user.pk == request.user.pk else None
            user_sessions_end(user=user, except_session_key=keep)
        return response

    # GDPR and deactivation (issue 6): each person through the service, which checks the actor's right
    # and says why it refuses; the others of the selection still go through.
    actions = ("deactivate_users", "anonymise_former_guests")

    def _run_per_person(self, request, queryset, service, done_message) -> None:
        done = 0
        for person in queryset:
            label = person.get_full_name() or person.username
            try:
                service(actor=request.user, user=person)
            except DomainError as error:
                self.message_user(request, f"{label}: {error}", messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)

    @admin.action(description=_("Deactivate: end their sessions and API tokens"), permissions=("change",))
    def deactivate_users(self, request, queryset):
        self._run_per_person(request, queryset, user_deactivate, _("Deactivated: %(count)d."))

    @admin.action(description=_("Anonymise former partner guests (GDPR)"), permissions=("change",))
    def anonymise_former_guests(self, request, queryset):
        self._run_per_person(request, queryset, user_anonymise, _("Anonymised: %(count)d."))


class DepartmentInline(MunicipalityScopedMixin, admin.TabularInline):
    model = Department
    fields = ("code", "name")
    formset = ConstraintCheckedInlineFormSet
    extra = 0


class MunicipalityAdminForm(forms.ModelForm):
    class Meta:
        model = Municipality
        fields = ("name", "kind", "ico", "region", "assessment_threshold", "members")

    def clean(self) -> dict:
        data = super().clean()
        members = data.get("members")
        if not members:
            return data
        if data.get("kind") not in GROUP_KINDS:
            self.add_error("members", _("Only a DSO or MAS has member municipalities."))
        elif any(member.is_group or member.pk == self.instance.pk for member in members):
            self.add_error("members", _("Members are municipalities, not the group itself or another group."))
        return data


@admin.register(Municipality)
class MunicipalityAdmin(MunicipalityScopedMixin, admin.ModelAdmin):
    form = MunicipalityAdminForm
    municipality_lookup = "pk"
    list_display = ("name", "kind", "ico", "region", "assessment_threshold", "department_count")
    list_filter = ("kind", "region")
    search_fields = ("name", "ico")
    filter_horizontal = ("members",)
    inlines = (DepartmentInline,)

    def get_readonly_fields(self, request, obj=None):
        # Who belongs to a DSO or MAS decides who reads its strategy: the platform's operators record it.
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        return (*super().get_readonly_fields(request, obj), "kind", "members")

    def get_queryset(self, request):
        queryset = municipality_list_visible(user=request.user)
        if ordering := self.get_ordering(request):
            queryset = queryset.order_by(*ordering)
        return self.restrict_to_own_municipalities(request, queryset).annotate(
            department_count=Count("departments", distinct=True)
        )

    @admin.display(description=_("departments"), ordering="department_count")
    def department_count(self, municipality: Municipality) -> int:
        return municipality.department_count

    def save_formset(self, request, form, formset, change):
        if formset.model is Department:
            save_formset_through(formset, _department_create_from)
        else:
            super().save_formset(request, form, formset, change)

    def has_add_permission(self, request):
        # A municipality joins the platform through its operators, not through another municipality's staff.
        return request.user.is_superuser and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


@admin.register(Department)
class DepartmentAdmin(MunicipalityScopedMixin, admin.ModelAdmin):
    list_display = ("code", "name", "municipality")
    list_filter = (("municipality", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("municipality",)
    search_fields = ("code", "name")

    def get_queryset(self, request):
        queryset = department_list_visible(user=request.user)
        if ordering := self.get_ordering(request):
            queryset = queryset.order_by(*ordering)
        return self.restrict_to_own_municipalities(request, queryset)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
        else:
            _take_over(obj, _department_create_from(obj))


@admin.register(PartnerOrganization)
class PartnerOrganizationAdmin(MunicipalityScopedMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "ico", "municipality", "website")
    list_filter = ("kind", ("municipality", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("municipality",)
    search_fields = ("name", "ico")

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        created = organization_create(municipality=obj.municipality, name=obj.name, kind=obj.kind, ico=obj.ico)
        if obj.website:  # not among what the service is given
            created.website = obj.website
            created.save(update_fields=["website"])
        _take_over(obj, created)

    def has_delete_permission(self, request, obj=None):
        # Deleting would take the organisation's guests and project accesses with it: access is revoked in the
        # application (organization_access_revoke), which also ends the guests' sessions.
        return request.user.is_superuser and super().has_delete_permission(request, obj)


@admin.register(Membership)
class MembershipAdmin(MunicipalityScopedMixin, admin.ModelAdmin):
    """Roles are granted (``membership_grant``) and withdrawn, never rewritten in place."""

    list_display = ("user", "role", "municipality", "department", "organization")
    list_filter = ("role", ("municipality", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("user", "municipality", "department", "organization")
    search_fields = ("user__username", "user__first_name", "user__last_name")

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        _take_over(obj, _membership_grant_from(obj))


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdminMixin, MunicipalityScopedMixin, admin.ModelAdmin):
    """Invitations are read here (who invited whom, when, what happened); they are made and withdrawn in the app,
    where the services grant access, send the mail and sign guests out."""

    municipality_lookup = "organization__municipality_id"
    list_display = (
        "email",
        "organization",
        "kind",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    )
    list_filter = ("kind", "language")
    list_select_related = ("organization", "invited_by")
    search_fields = ("email", "organization__name")
    exclude = ("nonce",)


# --- the audit log (backend.core's model; read here, where a person's roles are known) -------------------------


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only; each coordinator sees their municipalities' entries, nobody else any."""

    list_display = ("at", "action", "username", "actor", "object_type", "object_id", "ip_address", "municipality")
    list_filter = ("action", "at")
    list_select_related = ("actor", "municipality")
    search_fields = ("username", "path", "object_id")
    date_hierarchy = "at"
    fields = (
        "at",
        "action",
        "actor",
        "username",
        "municipality",
        "object_type",
        "object_id",
        "path",
        "ip_address",
        "details",
    )
    readonly_fields = fields

    @staticmethod
    def _coordinated(request) -> frozenset[int] | None:
        """The municipalities whose entries the user may read; None for platform operators (all)."""
        access = user_access(user=request.user)
        return None if access.is_platform_admin else access.coordinator_of

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        municipality_ids = self._coordinated(request)
        return queryset if municipality_ids is None else queryset.filter(municipality_id__in=municipality_ids)

    def get_object(self, request, object_id, from_field=None):
        # Another municipality's entry answers as a missing one does, as everywhere in the admin.
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(gettext("Not found."))
        return obj

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        if not request.user.is_active or not request.user.is_staff:
            return False
        municipality_ids = self._coordinated(request)
        return municipality_ids is None or bool(municipality_ids)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
