from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accounts.models import Account, Membership
from accounts.services import account_create, account_update
from dashboard.object_pages import AccountCallsAdminMixin
from integrations.providers.registry import PROVIDERS


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class AccountCreationForm(forms.ModelForm):
    """Adding an account in the admin also creates (or reuses) its owner, as `create_account` does."""

    owner_email = forms.EmailField()
    owner_password = forms.CharField(
        widget=forms.PasswordInput, required=False, help_text="Needed only when no user has this email yet."
    )

    class Meta:
        model = Account
        fields = ["name", "parent", "timezone"]

    def clean(self):
        data = super().clean()
        email = data.get("owner_email")
        if email and not get_user_model().objects.filter(email__iexact=email).exists():
            password = data.get("owner_password")
            if not password:
                self.add_error("owner_password", "A new owner needs a password.")
            else:
                try:
                    validate_password(password)
                except ValidationError as exc:
                    self.add_error("owner_password", exc)
        return data


@admin.register(Account)
class AccountAdmin(AccountCallsAdminMixin, admin.ModelAdmin):
    list_display = ["name", "id", "parent", "timezone", "created_at"]
    list_filter = ["timezone"]
    search_fields = ["name", "id"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["id", "created_at", "updated_at"]
    inlines = [MembershipInline]
    # What each provider offers to do to the selected accounts (disconnect it, ...).
    actions = [action for provider in PROVIDERS for action in provider.account_admin_actions]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = AccountCreationForm
        return super().get_form(request, obj, **kwargs)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "parent", "timezone", "owner_email", "owner_password"]
        return ["id", "name", "parent", "timezone", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        if change:
            account_update(account=obj, **{field: form.cleaned_data[field] for field in form.changed_data})
            if "timezone" in form.changed_data:
                self.message_user(request, "Call rollups were rebuilt for the new time zone.", messages.INFO)
            return None
        created = account_create(
            name=obj.name,
            owner_email=form.cleaned_data["owner_email"],
            owner_password=form.cleaned_data["owner_password"],
            parent=obj.parent,
            timezone=obj.timezone,
        )
        obj.pk = created.pk
        obj._state.adding = False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "account", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "account__name"]
    autocomplete_fields = ["user", "account"]
