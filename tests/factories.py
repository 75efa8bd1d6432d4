"""factory_boy factories for the rest of the data; fixtures in conftest use them."""

from __future__ import annotations

import factory

from kooperation.network.models import Arbeitsfeld, Contact, Institution, Leader, Membership, Offer, Role, User

PASSWORD = "test-passwort-123"


class ArbeitsfeldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Arbeitsfeld
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Arbeitsfeld {n}")


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"Institution {n}")
    short_name = factory.Sequence(lambda n: f"I{n}")
    arbeitsfeld = factory.SubFactory(ArbeitsfeldFactory)
    city = "Lindenbrück"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"Kontakt {n}")
    responsibility = "Kinderschutz"


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    institution = factory.SubFactory(InstitutionFactory)
    title = factory.Sequence(lambda n: f"Angebot {n}")


class LeaderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Leader

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"Leitung {n}")
    function = "Geschäftsführung"
    signs = True


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@test.example")
    first_name = "Erika"
    last_name = factory.Sequence(lambda n: f"Muster{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):
        if create:
            self.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    institution = factory.SubFactory(InstitutionFactory)
    role = Role.MITGLIED


def form_data(form) -> dict:
    """The POST data a browser submits for a rendered form (unchecked boxes and empty values left out)."""
    data = {}
    for bound in form:
        value = bound.value()
        if value is None or value is False or value == "":
            continue
        data[bound.html_name] = "on" if value is True else value
    return data


def formset_data(formset) -> dict:
    """The POST data a browser submits for a rendered formset, management form included."""
    data = form_data(formset.management_form)
    for form in formset.forms:
        data.update(form_data(form))
    return data
