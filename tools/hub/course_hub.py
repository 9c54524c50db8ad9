"""The course's JupyterHub settings, shared by the deployable configuration and the local test.

tools/hub/jupyterhub_config.py (what a course deploys, with real authentication) and
tests/test_hub.py (a hub on 127.0.0.1 with the test authenticator) both call ``apply``, so the
test runs the settings a course deploys; only authentication, spawner and addresses differ.
docs/hub.md explains each setting.
"""
import urllib.parse

# The grader's course id and the exchange through which nbgrader releases, collects and returns
# feedback (a folder every user's server sees; on Kubernetes a shared volume).
COURSE_ID = "rnn-course"
EXCHANGE = "/srv/nbgrader/exchange"
NBGRADER_CONFIG = '''\
# Course-wide nbgrader configuration, read by every user's nbgrader (students and instructors).
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "{course_id}"
c.Exchange.root = "{exchange}"
c.ExecutePreprocessor.timeout = 600
'''


def nbgrader_config(exchange=EXCHANGE, course_id=COURSE_ID):
    """The text of the course-wide nbgrader_config.py (/etc/jupyter/ on a real hub)."""
    return NBGRADER_CONFIG.format(course_id=course_id, exchange=exchange)


def apply(c, *, instructors, students=(), start_timeout=120):
    """Set the course's hub settings on ``c`` (a JupyterHub config object)."""
    instructors, students = set(instructors), set(students)
    c.Authenticator.admin_users = instructors
    if students:
        c.Authenticator.allowed_users = students | instructors
    # Instructors form a group: nbgrader's formgrader and the hub's admin page are theirs.
    c.JupyterHub.load_groups = {"instructors": {"users": sorted(instructors)}}
    # JupyterLab first; nbgitpuller's links open a notebook in it.
    c.Spawner.default_url = "/lab"
    c.Spawner.notebook_dir = "~"
    c.Spawner.start_timeout = start_timeout
    c.Spawner.http_timeout = start_timeout
    # Idle servers are not stopped here: that is the hub distribution's job (TLJH and Z2JH run
    # jupyterhub-idle-culler), see docs/hub.md.


def nbgitpuller_link(hub_url, repo, branch="main", target="rnn-course", open_path=None):
    """The link a student follows: the hub logs them in, nbgitpuller clones ``repo`` into ``~/target``
    the first time and merges later updates without overwriting their changes, then opens ``open_path``."""
    query = {"repo": repo, "branch": branch, "targetpath": target}
    if open_path:
        query["urlpath"] = f"lab/tree/{target}/{open_path}"
    return f"{hub_url.rstrip('/')}/hub/user-redirect/git-pull?{urllib.parse.urlencode(query)}"
