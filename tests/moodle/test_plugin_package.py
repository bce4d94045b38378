"""The plugin as it is shipped: the zip ``make moodle-plugin`` builds, and PHP that parses (no Moodle needed)."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile

from moodle_harness import PLUGIN

ROOT = PLUGIN.parents[2]


def test_make_moodle_plugin_builds_the_zip_moodle_installs(tmp_path):
    """One top folder ``proctor/`` (the rule's folder name under mod/quiz/accessrule/) holding exactly the plugin."""
    done = subprocess.run(["make", "-s", "moodle-plugin"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(ROOT / "dist" / "quizaccess_proctor.zip") as archive:
        names = {name for name in archive.namelist() if not name.endswith("/")}
        version = archive.read("proctor/version.php").decode()
    source = {f"proctor/{path.relative_to(PLUGIN)}" for path in PLUGIN.rglob("*") if path.is_file()}
    assert names == source
    assert "$plugin->component = 'quizaccess_proctor';" in version
    assert {"proctor/COPYING", "proctor/README.md", "proctor/lang/en/quizaccess_proctor.php"} <= names


def test_plugin_declares_its_moodle_and_licence():
    version = (PLUGIN / "version.php").read_text()
    assert re.search(r"\$plugin->requires = 2022112800;", version), "Moodle 4.1 or later"
    assert "$plugin->supported = [401, 405];" in version
    assert "GNU GENERAL PUBLIC LICENSE" in (PLUGIN / "COPYING").read_text()[:200]
    for path in PLUGIN.rglob("*.php"):
        assert "GNU General Public License" in path.read_text()[:1200], path


def test_every_php_file_parses(need):
    need(shutil.which("php") is not None, "PHP (the Moodle harness's setup.sh installs it)")
    for path in sorted(PLUGIN.rglob("*.php")):
        done = subprocess.run(["php", "-l", str(path)], capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr


def test_every_string_the_code_uses_is_defined():
    """get_string('x', 'quizaccess_proctor') in the code has a $string['x'] in lang/en, and no string is unused."""
    strings = set(re.findall(r"^\$string\['([^']+)'\]", (PLUGIN / "lang/en/quizaccess_proctor.php").read_text(), re.M))
    code = "\n".join(path.read_text() for path in PLUGIN.rglob("*.php") if "lang" not in path.parts)
    used = set(re.findall(r"get_string\('([^']+)', 'quizaccess_proctor'", code))
    used |= set(re.findall(r"moodle_exception\('([^']+)', 'quizaccess_proctor'", code))
    used |= {"pluginname", "privacy:metadata", "proctoractivity_help"}  # read by Moodle itself
    assert used - strings == set(), "used but not defined"
    assert strings - used == set(), "defined but never used"
