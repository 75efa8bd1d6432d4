import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_directory_lists_institution(client_for, member, institution):
    response = client_for(member).get(reverse("institution_list"))
    assert response.status_code == 200
    assert institution.name in response.content.decode()
