import factory

from kaiku.accounts.models import Role, RoleAssignment, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery")

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()


def user_with_role(role: str, *, area=None, site=None, side: str = "", email: str | None = None) -> User:
    user = UserFactory(email=email) if email else UserFactory()
    if role == Role.AREA_COORDINATOR and not side:
        side = "culture"
    RoleAssignment.objects.create(user=user, role=role, area=area, site=site, side=side)
    return user
