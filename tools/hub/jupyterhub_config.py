"""JupyterHub configuration for a course hub (docs/hub.md): real authentication, never a test one.

Put this file (with course_hub.py beside it) where the hub reads its configuration: The Littlest
JupyterHub loads extra files from /opt/tljh/config/jupyterhub_config.d/; a plain JupyterHub takes
``jupyterhub -f tools/hub/jupyterhub_config.py``; Zero to JupyterHub takes the same lines under
``hub.extraConfig`` (docs/hub.md). Settings come from the environment:

    COURSE_AUTH          github | oauth | ldap   (required: the hub refuses to start without it)
    COURSE_INSTRUCTORS   comma-separated user names (admins, the "instructors" group)
    COURSE_STUDENTS      comma-separated user names allowed in (optional with github/ldap, where
                         COURSE_GITHUB_ORG or the LDAP group decides who may log in)
    github:  OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET, OAUTH_CALLBACK_URL, COURSE_GITHUB_ORG
    oauth:   the campus's OAuth2/OpenID Connect SSO: OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET,
             OAUTH_CALLBACK_URL, OAUTH2_AUTHORIZE_URL, OAUTH2_TOKEN_URL, OAUTH2_USERDATA_URL
    ldap:    LDAP_SERVER, LDAP_BIND_DN_TEMPLATE (e.g. uid={username},ou=people,dc=example,dc=edu)

The authenticators come from the oauthenticator and jupyterhub-ldapauthenticator packages, which
TLJH and Z2JH's hub image already hold. The server's address, TLS and the spawner are the hub
distribution's (TLJH: systemd users behind Traefik with Let's Encrypt; Z2JH: a pod per user).
"""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import course_hub  # noqa: E402

c = get_config()  # noqa: F821


def _names(variable):
    return {name.strip() for name in os.environ.get(variable, "").split(",") if name.strip()}


AUTH = os.environ.get("COURSE_AUTH", "")
if AUTH == "github":
    c.JupyterHub.authenticator_class = "github"
    c.GitHubOAuthenticator.allowed_organizations = _names("COURSE_GITHUB_ORG")
    c.GitHubOAuthenticator.scope = ["read:org"]
elif AUTH == "oauth":
    c.JupyterHub.authenticator_class = "generic-oauth"
    c.GenericOAuthenticator.authorize_url = os.environ["OAUTH2_AUTHORIZE_URL"]
    c.GenericOAuthenticator.token_url = os.environ["OAUTH2_TOKEN_URL"]
    c.GenericOAuthenticator.userdata_url = os.environ["OAUTH2_USERDATA_URL"]
    c.GenericOAuthenticator.username_claim = "preferred_username"
    c.GenericOAuthenticator.scope = ["openid", "profile"]
elif AUTH == "ldap":
    c.JupyterHub.authenticator_class = "ldapauthenticator.LDAPAuthenticator"
    c.LDAPAuthenticator.server_address = os.environ["LDAP_SERVER"]
    c.LDAPAuthenticator.use_ssl = True
    c.LDAPAuthenticator.bind_dn_template = [os.environ["LDAP_BIND_DN_TEMPLATE"]]
else:
    sys.exit("jupyterhub_config.py: set COURSE_AUTH to github, oauth or ldap (docs/hub.md); "
             "a course hub never runs with the test authenticator")
if AUTH in ("github", "oauth"):          # oauthenticator reads OAUTH_CLIENT_ID/SECRET/CALLBACK_URL itself
    missing = [v for v in ("OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET", "OAUTH_CALLBACK_URL") if not os.environ.get(v)]
    if missing:
        sys.exit(f"jupyterhub_config.py: COURSE_AUTH={AUTH} needs {', '.join(missing)}")

instructors = _names("COURSE_INSTRUCTORS")
if not instructors:
    sys.exit("jupyterhub_config.py: set COURSE_INSTRUCTORS (comma-separated user names)")
course_hub.apply(c, instructors=instructors, students=_names("COURSE_STUDENTS"))
