"""Install JupyterHub's proxy (configurable-http-proxy, from npm) into build/hub-proxy, once.

JupyterHub routes every request through this Node.js proxy. `make hub-test` installs it here, at
the version and hashes of tools/hub/package-lock.json (``npm ci``), before the test starts, so the
test itself never downloads anything. Prints the proxy's path. Needs Node.js and npm
(Debian: apt install nodejs npm). A course hub gets the proxy from its distribution instead:
The Littlest JupyterHub installs it, Zero to JupyterHub runs it as its own pod (docs/hub.md).
"""
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TARGET = ROOT / "build" / "hub-proxy"
PROXY = TARGET / "node_modules" / ".bin" / "configurable-http-proxy"


def main():
    lock = (HERE / "package-lock.json").read_bytes()
    if PROXY.exists() and (TARGET / "package-lock.json").is_file() \
            and (TARGET / "package-lock.json").read_bytes() == lock:
        print(PROXY)
        return 0
    npm = shutil.which("npm")
    if npm is None:
        print("error: the hub test needs Node.js and npm for JupyterHub's proxy "
              "(Debian/Ubuntu: sudo apt install nodejs npm)", file=sys.stderr)
        return 1
    TARGET.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(HERE / name, TARGET / name)
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--omit=dev"], cwd=TARGET, check=True)
    print(PROXY)
    return 0


if __name__ == "__main__":
    sys.exit(main())
