"""Admin for users, municipalities, departments, partner organisations and memberships.

Also home of the scoping every Rámec admin shares: superusers (platform operators) see everything,
other staff only what belongs to the municipalities they work for.
"""

from django.contrib import admin, messages
from django.contrib.admin.sites import NotRegistered
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import Department, Invitation, Membership, Municipality, PartnerOrganization, User
from backend.accounts.privacy import user_anonymise
from backend.accounts.selectors import department_list_visible, municipality_list_visible, user_access
from backend.accounts.services import user_deactivate
from backend.accounts.sessions import user_sessions_end
from backend.core.errors import DomainError


def own_municipality_ids(user: User) -> frozenset[int]:
    """Municipalities where the user holds a municipal role; a partner guest's organisation gives none."""
    return user_access(user=user).municipality_ids


class MunicipalityScopedMixin:
    """Restricts an admin (or inline) to the rows of the staff user's own municipalities.

    ``municipality_lookup`` leads from the model to its municipality's id. The choices of foreign keys
    and many-to-many fields are what the related model's admin shows the same user, so nobody can pick
    another municipality's department, person or project; fields in ``unscoped_choice_fields`` keep
    every row (sharing a project with another municipality must list the others).
    """

    municipality_lookup = "municipality_id"
    unscoped_choice_fields: tuple[str, ...] = ()

    def restrict_to_own_municipalities(self, request, queryset: QuerySet) -> QuerySet:
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.municipality_lookup}__in": own_municipality_ids(request.user)})

    def get_queryset(self, request):
        return self.restrict_to_own_municipalities(request, super().get_queryset(request))

    def get_field_queryset(self, db, db_field, request):
        queryset = super().get_field_queryset(db, db_field, request)
        if request.user.is_superuser or db_field.name in self.unscoped_choice_fields:
            return queryset
        try:
            related_admin = self.admin_site.get_model_admin(db_field.remote_field.model)
        except NotRegistered:
            return queryset
        return related_admin.get_queryset(request).using(db)


class MembershipInline(MunicipalityScopedMixin, admin.TabularInline):
    model = Membership
    fk_name = "user"
    fields = ("municipality", "role", "department", "organization")
    extra = 0


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
        # People with any role in the user's municipalities; platform operators are not theirs to edit.
        own = own_municipality_ids(request.user)
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


class DepartmentInline(admin.TabularInline):
    model = Department
    fields = ("code", "name")
    extra = 0


@admin.register(Municipality)
class MunicipalityAdmin(MunicipalityScopedMixin, admin.ModelAdmin):
    municipality_lookup = "pk"
    list_display = ("name", "ico", "region", "assessment_threshold", "department_count")
    list_filter = ("region",)
    search_fields = ("name", "ico")
    inlines = (DepartmentInline,)

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


@admin.register(PartnerOrganization)
class PartnerOrganizationAdmin(MunicipalityScopedMixin, admin.ModelAdmin):
    list_display = ("name", "kind", "ico", "municipality", "website")
    list_filter = ("kind", ("municipality", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("municipality",)
    search_fields = ("name", "ico")


@admin.register(Membership)
class MembershipAdmin(MunicipalityScopedMixin, admin.ModelAdmin):
    list_display = ("user", "role", "municipality", "department", "organization")
    list_filter = ("role", ("municipality", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("user", "municipality", "department", "organization")
    search_fields = ("user__username", "user__first_name", "user__last_name")


@admin.register(Invitation)
class InvitationAdmin(MunicipalityScopedMixin, admin.ModelAdmin):
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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
