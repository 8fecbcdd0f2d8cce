"""Formsets that refuse, as a form error, every row a model's unique constraints would refuse on saving."""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Q, UniqueConstraint, Value
from django.forms.models import BaseInlineFormSet


class ConstraintCheckedInlineFormSet(BaseInlineFormSet):
    """An inline whose rows are checked against each other for every unique constraint over fields.

    Each row is checked against the database by its form (``validate_constraints``), and Django checks the rows
    against each other for unconditional unique constraints only. Two equal new rows of a conditional one (the same
    role twice in one department) would pass both and fail when saved; here they are a form error in the second
    row with the constraint's own message. Django's own message names the fields by their labels.
    """

    def validate_unique(self) -> None:
        errors = self._duplicates_of_conditional_constraints()
        try:
            super().validate_unique()
        except ValidationError as error:
            errors.extend(error.error_list)
        if errors:
            raise ValidationError(errors)

    def get_unique_error_message(self, unique_check) -> str:
        # Django names the fields as the code does ("code"); the user reads their labels ("kód").
        # The parent is the same in every row, and Django leaves it out of the message.
        labels = [str(self.model._meta.get_field(name).verbose_name) for name in unique_check if name != self.fk.name]
        return super().get_unique_error_message(labels)

    def _duplicates_of_conditional_constraints(self) -> list[ValidationError]:
        model = self.model
        constraints = [
            constraint
            for constraint in model._meta.constraints
            if isinstance(constraint, UniqueConstraint) and constraint.fields and constraint.condition is not None
        ]
        rows = [
            form
            for form in self.forms
            if form.is_valid() and form not in self.deleted_forms and (form.instance.pk or form.has_changed())
        ]
        errors = []
        for constraint in constraints:
            seen = set()
            for form in rows:
                key = self._constraint_key(constraint, form.instance)
                if key is None:
                    continue
                if key in seen:
                    message = constraint.get_violation_error_message()
                    form._errors.setdefault(NON_FIELD_ERRORS, form.error_class()).append(message)
                    errors.append(ValidationError(message, code=constraint.violation_error_code))
                else:
                    seen.add(key)
        return errors

    def _constraint_key(self, constraint: UniqueConstraint, instance) -> tuple | None:
        """The row's values of the constraint's fields, or None when the constraint does not bind it: its condition
        does not hold, or a value is empty (NULLs are distinct). The parent (the same for every row, and not saved
        yet on an add page) is left out."""
        meta = self.model._meta
        key = []
        for name in constraint.fields:
            if name == self.fk.name:
                continue
            value = getattr(instance, meta.get_field(name).attname)
            if value is None:
                return None
            key.append(value)
        against = {}
        for field in meta.concrete_fields:
            value = Value(getattr(instance, field.attname), output_field=field)
            against[field.name] = against[field.attname] = value
        if not Q(constraint.condition).check(against):
            return None
        return tuple(key)
