# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""Tests of ./dev's own functions (tools/devtool): no Odoo, no database, no network.

``./dev test`` runs them with the engine tests.  Each one drives the real function
on files it makes in a temporary folder.
"""

import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from devtool import (
    cli,
    common,
    lint,
    odoo,
    package,
    postgres,
    serve,
    testing,
    translations,
)
from devtool import venv as devvenv

MANIFEST = """{
    "name": "X",
    "version": "18.0.1.0.0",
    "license": "LGPL-3",
    "depends": ["crm"],
    "data": ["views/a_views.xml"],
    "demo": ["demo/a_demo.xml"],
}
"""


def write(root, rel, text=""):
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def executable(path, text):
    path.write_text(text)
    path.chmod(0o755)
    return path


# --------------------------------------------------------------------- help
def test_every_option_of_every_command_is_described():
    parser = cli.build_parser()
    commands = parser._subparsers._group_actions[0].choices
    assert {"test", "run", "pytest", "pot", "package", "bench", "lint"} <= set(commands)
    for name, sub in commands.items():
        for action in sub._actions:
            assert action.help, f"./dev {name} {action.option_strings} has no help"
    run_help = commands["run"].format_help()
    assert "--db NAME" in run_help and "--port PORT" in run_help
    assert "--odoo-python PYTHON" in commands["test"].format_help()


def test_unknown_option_is_refused_except_for_pytest(capsys):
    with pytest.raises(SystemExit):
        cli.main(["lint", "-k", "x"])
    assert "unrecognized arguments: -k x" in capsys.readouterr().err


# --------------------------------------------------------------------- browser
def test_preflight_names_chromium_and_how_to_add_it_when_path_has_none(tmp_path):
    missing = testing.browser_preflight(sys.executable, path=str(tmp_path))
    chromium = [m for m in missing if m.startswith("Chromium")]
    assert len(chromium) == 1
    assert "apt-get install chromium" in chromium[0]


def test_preflight_finds_chromium_on_path(tmp_path):
    executable(tmp_path / "chromium", "#!/bin/sh\n")
    missing = testing.browser_preflight(sys.executable, path=str(tmp_path))
    assert not [m for m in missing if m.startswith("Chromium")]


def test_preflight_names_websocket_client_with_the_python_that_lacks_it(tmp_path):
    python = executable(tmp_path / "python-without-websocket", "#!/bin/sh\nexit 1\n")
    executable(tmp_path / "chromium", "#!/bin/sh\n")
    missing = testing.browser_preflight(str(python), path=str(tmp_path))
    assert missing == [
        f"websocket-client: {python} cannot import it;"
        f" add it with `{python} -m pip install websocket-client`"
    ]


def test_odoo_phase_stops_before_starting_odoo_without_chromium(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("PATH", str(tmp_path))

    def no_database(*_args, **_kw):
        raise AssertionError("the Odoo run must not start")

    monkeypatch.setattr(testing, "ensure_postgres", no_database)
    monkeypatch.setattr(testing, "run", no_database_unless_probe(testing.run))
    odoo = ("Odoo 18.0 (test)", [sys.executable, "-c", "pass"], [], "18.0")
    args = SimpleNamespace(no_browser=False, odoo_tags=None, keep_db=False)
    result = testing.odoo_tests(odoo, args)
    out = capsys.readouterr().out
    assert result["failed"] == 1 and result["ran"] == 0 and result["passed"] == 0
    assert "MISSING Chromium" in out and "apt-get install chromium" in out
    assert "not started" in out and "--no-browser" in out


def no_database_unless_probe(real_run):
    """Let the websocket probe run; anything else would start Odoo."""

    def guarded(cmd, **kw):
        if cmd[1:2] == ["-c"] and "import websocket" in cmd[2]:
            return real_run(cmd, **kw)
        raise AssertionError(f"the Odoo run must not start: {cmd}")

    return guarded


def test_no_browser_allows_only_the_warning_of_the_skipped_screen_tests(capsys):
    log = (
        "2026-01-01 10:00:00,000 1 WARNING db odoo.addons.x: "
        "websocket-client module is not installed\n"
        "2026-01-01 10:00:00,000 1 INFO db odoo.addons.x: skipped Subtest "
        "TestScreens.test_views (action='a') : websocket-client module is not installed\n"
        "2026-01-01 10:00:00,000 1 INFO db odoo.addons.x: skipped Subtest "
        "TestScreens.test_views (action='b') : websocket-client module is not installed\n"
        "2026-01-01 10:00:00,000 1 INFO db odoo.addons.x: skipped "
        "TestScreens.test_tab : websocket-client module is not installed\n"
        "2026-01-01 10:00:01,000 1 INFO db odoo.tests.result: "
        "0 failed, 0 error(s) of 3 tests when loading database 'db'\n"
    )
    allowed = testing._parse_odoo_log(log, 0, 1, testing.NO_BROWSER_LOG_LINES)
    assert allowed["log_problems"] == 0
    # two tests skipped (one of them in two subtests): one ran, none counted twice
    assert allowed["skipped"] == 2 and allowed["ran"] == 1 and allowed["passed"] == 1
    strict = testing._parse_odoo_log(log, 0, 1)
    assert strict["log_problems"] == 1
    capsys.readouterr()


def test_the_dependencies_are_installed_once_then_copied(tmp_path, monkeypatch, capsys):
    """The first run builds the template of crm and its demo data (dropping
    one made for another Odoo tree); the next finds it and builds nothing."""
    calls, databases = [], {"postgres", "crm_lead_routing_deps_0123456789"}

    def fake_run(cmd, **_kw):
        calls.append(cmd)
        if cmd[0] == "psql":
            return SimpleNamespace(returncode=0, stdout="\n".join(sorted(databases)))
        if "rename" in cmd:
            databases.add(cmd[-1])
        return SimpleNamespace(returncode=0, stdout="")

    monkeypatch.setattr(testing, "run", fake_run)
    monkeypatch.setattr(postgres, "run", fake_run)
    monkeypatch.setattr(testing, "manifest", lambda: {"depends": ["crm"]})
    odoo = ("Odoo", ["odoo-bin"], [tmp_path], "18.0")
    name = testing.deps_template(odoo)
    assert name.startswith("crm_lead_routing_deps_") and name in databases
    path = testing.addons_path([tmp_path])
    assert ["odoo-bin", "db", "--addons-path", path, "drop",
            "crm_lead_routing_deps_0123456789"] in calls  # fmt: skip
    assert any("-i" in cmd and cmd[cmd.index("-i") + 1] == "crm" for cmd in calls)
    calls.clear()
    assert testing.deps_template(odoo) == name
    assert [cmd[0] for cmd in calls] == ["psql"], "nothing built the second time"
    capsys.readouterr()


def test_the_summary_says_how_long_the_odoo_tests_took(capsys):
    log = (
        "2026-01-01 10:00:01,000 1 INFO db odoo.tests.result: "
        "0 failed, 0 error(s) of 237 tests when loading database 'db'\n"
    )
    odoo = testing._parse_odoo_log(log, 0, 230.6)
    assert odoo["seconds"] == 231
    engine = {"ran": 267, "skipped": 0}
    assert testing._summary_line(odoo, engine) == (
        "Odoo tests: 237 ran (0 failed, 0 skipped) in 231 s;"
        " engine tests: 267 ran (0 skipped)."
    )
    assert testing._summary_line({"not_run": True}, engine) == (
        "Odoo tests: not run. Engine tests: 267 ran."
    )
    # Odoo never started (no browser): no time to tell.
    assert testing._summary_line({"ran": 0, "failed": 1}, engine) == (
        "Odoo tests: 0 ran (1 failed, 0 skipped); engine tests: 267 ran (0 skipped)."
    )
    capsys.readouterr()


# --------------------------------------------------------------------- .po / .pot
POT = r"""# Translation of Odoo Server.
msgid ""
msgstr ""
"Project-Id-Version: Odoo Server 18.0\n"
"POT-Creation-Date: 2026-11-25 02:30+0000\n"

#. module: crm_lead_routing
#: model:ir.model.fields,field_description:crm_lead_routing.field_a
msgid "Accepting new leads"
msgstr ""

#. module: crm_lead_routing
#. odoo-python
#: code:addons/crm_lead_routing/models/crm_lead.py:0
msgid ""
"Contact this lead before %(deadline)s.\n"
"It was \"routed\" to you."
msgstr ""

#: model:crm.routing.skill,name:crm_lead_routing.demo_skill_french
msgid "French"
msgstr ""

#: model:crm.routing.skill,name:crm_lead_routing.demo_skill_english
#: model_terms:ir.ui.view,arch_db:crm_lead_routing.view_x
msgid "English"
msgstr ""

msgctxt "menu"
msgid "Rules"
msgid_plural "Ruleses"
msgstr[0] ""
msgstr[1] ""
"""


def test_read_po_keeps_strings_and_references_not_the_header(tmp_path):
    entries = translations.read_po(write(tmp_path, "x.pot", POT))
    assert set(entries) == {
        (None, "Accepting new leads"),
        (None, 'Contact this lead before %(deadline)s.\nIt was "routed" to you.'),
        (None, "French"),
        (None, "English"),
        ("menu", "Rules"),
    }
    assert entries[(None, "English")].refs == (
        "model:crm.routing.skill,name:crm_lead_routing.demo_skill_english",
        "model_terms:ir.ui.view,arch_db:crm_lead_routing.view_x",
    )
    assert entries[("menu", "Rules")].msgstrs == ["", ""]


def test_read_po_refuses_what_is_not_po(tmp_path):
    with pytest.raises(common.DevError, match=r"x\.po: not a \.po file: .*line 2"):
        translations.read_po(write(tmp_path, "x.po", 'msgid "a"\nmsgstr: "b"\n'))


def test_compare_pot_names_missing_and_stale_strings():
    fresh = {(None, "New label"): None, (None, "Kept"): None}
    committed = {(None, "Kept"): None, (None, "Old label"): None}
    missing, stale = translations.compare_pot(fresh, committed)
    assert "lacks 1 string(s)" in missing and '"New label"' in missing
    assert "no longer exports" in stale and '"Old label"' in stale
    assert "./dev pot" in missing and "./dev pot" in stale
    assert translations.compare_pot(committed, dict(committed)) == []


def test_without_demo_drops_only_what_nothing_but_demo_uses(tmp_path):
    write(tmp_path, "__manifest__.py", MANIFEST)
    write(
        tmp_path,
        "demo/a_demo.xml",
        '<odoo><record id="demo_skill_french" model="crm.routing.skill"/>'
        '<record id="demo_skill_english" model="crm.routing.skill"/></odoo>',
    )
    entries = translations.read_po(write(tmp_path, "x.pot", POT))
    kept = translations.without_demo(entries, translations.demo_xmlids(tmp_path))
    assert (None, "French") not in kept
    assert (None, "English") in kept  # a view uses it too
    assert (None, "Accepting new leads") in kept


def test_po_check_passes_without_po_files_and_counts_empty_msgstr(tmp_path):
    write(tmp_path, "i18n/crm_lead_routing.pot", POT)
    assert translations.check_po_files(tmp_path) == []
    po = POT.replace(
        'msgid "Accepting new leads"\nmsgstr ""',
        'msgid "Accepting new leads"\nmsgstr "Nimmt Leads an"',
    )
    po += '\nmsgid "Not in the pot"\nmsgstr "Nicht im pot"\n'
    write(tmp_path, "i18n/de.po", po)
    empty, unknown = translations.check_po_files(tmp_path)
    assert empty.startswith("i18n/de.po: 4 untranslated string(s) (empty msgstr)")
    assert '"French"' in empty and '"Accepting new leads"' not in empty
    assert unknown.startswith("i18n/de.po: 1 string(s) not in the .pot")
    assert '"Not in the pot"' in unknown


def test_po_check_names_strings_of_the_pot_the_po_lacks(tmp_path):
    write(tmp_path, "i18n/crm_lead_routing.pot", POT)
    write(
        tmp_path,
        "i18n/de.po",
        'msgid "Accepting new leads"\nmsgstr "Nimmt Leads an"\n',
    )
    (missing,) = translations.check_po_files(tmp_path)
    assert missing.startswith("i18n/de.po: 4 string(s) of the .pot missing")
    assert '"French"' in missing and '"Accepting new leads"' not in missing


def test_po_check_names_translations_that_lose_or_rename_a_placeholder(tmp_path):
    pot = (
        'msgid "Assigned to %(user)s: %(why)s."\nmsgstr ""\n\n'
        'msgid "Top 20%"\nmsgstr ""\n\n'
        'msgid "%(count)s queued"\nmsgstr ""\n\n'
        'msgid "Lead %s"\nmsgstr ""\n'
    )
    write(tmp_path, "i18n/crm_lead_routing.pot", pot)
    good = pot.replace(
        'Assigned to %(user)s: %(why)s."\nmsgstr ""',
        'Assigned to %(user)s: %(why)s."\nmsgstr "%(why)s：已分配给 %(user)s。"',
    )
    good = good.replace('"Top 20%"\nmsgstr ""', '"Top 20%"\nmsgstr "前 20%"')
    good = good.replace('queued"\nmsgstr ""', 'queued"\nmsgstr "в очереди: %(count)s"')
    good = good.replace('"Lead %s"\nmsgstr ""', '"Lead %s"\nmsgstr "线索 %s"')
    write(tmp_path, "i18n/zh_CN.po", good)
    assert translations.check_po_files(tmp_path) == []
    bad = good.replace("已分配给 %(user)s", "已分配给 %(users)s").replace(
        "в очереди: %(count)s", "в очереди"
    )
    write(tmp_path, "i18n/zh_CN.po", bad)
    (problem,) = translations.check_po_files(tmp_path)
    assert problem.startswith(
        "i18n/zh_CN.po: 2 translation(s) whose placeholders differ from the msgid's"
    )
    assert '"%(count)s queued"' in problem and '"Top 20%"' not in problem


def test_placeholders_are_what_formatting_fills_in_not_percent_signs():
    assert translations.po_placeholders("%(b)s then %(a)s, %s and %d") == [
        "%(a)s",
        "%(b)s",
        "%d",
        "%s",
    ]
    assert translations.po_placeholders("Top 20% (%) at 100%% share") == []


def test_static_pot_terms_find_code_fields_views_and_menus(tmp_path):
    write(
        tmp_path,
        "models/a.py",
        "from odoo import _, fields, models\n"
        "class A(models.Model):\n"
        "    _name = 'a'\n"
        "    x = fields.Char('Label', help='Some help')\n"
        "    y = fields.Many2one('res.users', string='Owner')\n"
        "    def f(self, name):\n"
        "        self.env._('From env %s', name)\n"
        "        return _('Plain'), _(name)\n",
    )
    write(
        tmp_path,
        "views/a_views.xml",
        '<odoo><record id="v" model="ir.ui.view"><field name="arch" type="xml">'
        '<form><button string="Route now" confirm="Sure?"/></form></field></record>'
        '<menuitem id="m" name="Lead Routing"/></odoo>',
    )
    assert translations.static_pot_terms(tmp_path) == {
        "Label",
        "Some help",
        "Owner",
        "From env %s",
        "Plain",
        "Route now",
        "Sure?",
        "Lead Routing",
    }
    write(tmp_path, "i18n/crm_lead_routing.pot", 'msgid "Label"\nmsgstr ""\n')
    (problem,) = translations.check_pot_static(tmp_path)
    assert "lacks 7 string(s)" in problem and "partial check without Odoo" in problem


def test_static_pot_check_asks_for_the_pot_when_there_is_none(tmp_path):
    assert translations.check_pot_static(tmp_path) == [
        "i18n/crm_lead_routing.pot does not exist (run ./dev pot)"
    ]


# --------------------------------------------------------------------- wheel
def make_addon(root):
    write(root, "__manifest__.py", MANIFEST)
    write(root, "__init__.py")
    for rel in (
        "views/a_views.xml",
        "demo/a_demo.xml",
        "static/description/icon.png",
        "i18n/crm_lead_routing.pot",
        "routing/__init__.py",
        "routing/engine.py",
        "wizard/a_wizard.py",
        "report/a_report.py",
    ):
        write(root, rel, "x")


def make_wheel(path, root, leave_out=()):
    prefix = "odoo/addons/crm_lead_routing/"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            "odoo_addon_crm_lead_routing-18.0.1.0.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: odoo-addon-crm_lead_routing\n",
        )
        for file in root.rglob("*"):
            rel = str(file.relative_to(root))
            if file.is_file() and rel not in leave_out:
                zf.writestr(prefix + rel, file.read_bytes())
    return path


def test_wheel_check_passes_a_complete_wheel(tmp_path):
    root = tmp_path / "addon"
    make_addon(root)
    assert package.check_wheel(make_wheel(tmp_path / "ok.whl", root), root) == []


def test_wheel_check_does_not_ask_for_the_tools_caches(tmp_path):
    # pytest run by hand in routing/tests leaves its cache there; git ignores it.
    root = tmp_path / "addon"
    make_addon(root)
    whl = make_wheel(tmp_path / "ok.whl", root)
    write(root, "routing/tests/.pytest_cache/v/cache/nodeids", "[]")
    write(root, "routing/.hypothesis/examples/x", "x")
    assert package.check_wheel(whl, root) == []


@pytest.mark.parametrize(
    "left_out",
    [
        "__manifest__.py",
        "views/a_views.xml",
        "demo/a_demo.xml",
        "static/description/icon.png",
        "i18n/crm_lead_routing.pot",
        "routing/engine.py",
        "wizard/a_wizard.py",
        "report/a_report.py",
    ],
)
def test_wheel_check_fails_on_a_missing_file(tmp_path, left_out):
    root = tmp_path / "addon"
    make_addon(root)
    whl = make_wheel(tmp_path / "bad.whl", root, leave_out={left_out})
    assert package.check_wheel(whl, root) == [
        f"the wheel lacks {left_out} (is it added to git?)"
    ]


# --------------------------------------------------------------------- access rules
def test_acl_check_reads_models_wizards_and_reports(tmp_path):
    model = (
        'from odoo import models\n\n\nclass A(models.{kind}):\n    _name = "{name}"\n'
    )
    write(tmp_path, "models/a.py", model.format(kind="Model", name="x.kept"))
    write(tmp_path, "report/a_report.py", model.format(kind="Model", name="x.report"))
    write(tmp_path, "wizard/a_wizard.py", model.format(kind="Model", name="x.wizard"))
    write(tmp_path, "models/b.py", model.format(kind="AbstractModel", name="x.mixin"))
    write(
        tmp_path,
        "security/ir.model.access.csv",
        "id,name,model_id:id,group_id:id,perm_read\nacc,acc,model_x_kept,,1\n",
    )
    assert lint._missing_acls(tmp_path) == [
        "model x.report has no line in security/ir.model.access.csv",
        "model x.wizard has no line in security/ir.model.access.csv",
    ]


# --------------------------------------------------------------------- kept database
def test_fingerprint_ignores_tests_and_docs_but_not_models(tmp_path):
    make_addon(tmp_path)
    before = postgres.addon_fingerprint(tmp_path)
    write(tmp_path, "tests/test_a.py", "def test(): pass\n")
    write(tmp_path, "README.md", "docs")
    write(tmp_path, ".dev/venv/x.py", "state")
    write(tmp_path, "i18n/crm_lead_routing.pot", "re-exported")
    assert postgres.addon_fingerprint(tmp_path) == before
    write(tmp_path, "views/a_views.xml", "<odoo/>")
    assert postgres.addon_fingerprint(tmp_path) != before


def test_pytest_paths_are_taken_through_the_module_folder(tmp_path):
    module_dir = tmp_path / "addons" / "crm_lead_routing"
    root = common.ROOT
    assert testing.pytest_targets(
        ["tests/test_routing_ui.py::TestRoutingScreens", "-x"], module_dir, cwd=root
    ) == [f"{module_dir}/tests/test_routing_ui.py::TestRoutingScreens", "-x"]
    # -k's value is an expression, even when a folder has that name
    assert testing.pytest_targets(["-k", "tests"], module_dir, cwd=root) == [
        "-k",
        "tests",
        f"{module_dir}/tests",
    ]


def test_module_folder_links_the_checkout_but_not_dev_state(tmp_path, monkeypatch):
    root = tmp_path / "checkout"
    make_addon(root)
    (root / ".dev").mkdir()
    monkeypatch.setattr(odoo, "ROOT", root)
    monkeypatch.setattr(odoo, "STATE", root / ".dev")
    path = odoo.addons_path(["/odoo/addons"])
    module_dir = root / ".dev" / "addons" / "crm_lead_routing"
    assert path == f"/odoo/addons,{module_dir.parent}"
    assert sorted(p.name for p in module_dir.iterdir()) == sorted(
        [
            *("__manifest__.py", "__init__.py", "views", "demo", "static", "i18n"),
            *("routing", "wizard", "report"),
        ]
    )
    assert (module_dir / "routing" / "engine.py").read_text() == "x"
    (root / "views").rename(root / "renamed")  # a removed entry is unlinked
    odoo.addons_path([])
    assert not (module_dir / "views").is_symlink()
    assert (module_dir / "renamed").is_symlink()


# --------------------------------------------------------------------- fetched Odoo
def test_failed_install_of_odoo_requirements_is_retried(tmp_path, monkeypatch):
    state = tmp_path / ".dev"
    target = state / "odoo-18.0"
    write(target, "odoo/release.py", "version_info = (18, 0, 0, 'final', 0, '')\n")
    write(target, "requirements.txt", "psycopg2==2.9.9\n")
    (state / "venv").mkdir(parents=True)
    for module in (serve, odoo):
        monkeypatch.setattr(module, "STATE", state)
        monkeypatch.setattr(module, "VENV", state / "venv")
        monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(serve, "venv_python", lambda: "python")
    pip_calls, outcome = [], {"rc": 1}

    def fake_run(cmd, **_kw):
        assert cmd[:4] == ["python", "-m", "pip", "install"], cmd
        pip_calls.append(cmd)
        return SimpleNamespace(returncode=outcome["rc"])

    monkeypatch.setattr(serve, "run", fake_run)
    with pytest.raises(common.DevError, match="libpq-dev libldap2-dev libsasl2-dev"):
        serve._install_official_odoo()
    assert odoo._odoo_requirements_pending(target)
    outcome["rc"] = 0
    assert serve._install_official_odoo() == target  # the next run tries again
    assert len(pip_calls) == 2 and "setuptools<70" in pip_calls[1]
    assert not odoo._odoo_requirements_pending(target)
    serve._install_official_odoo()
    assert len(pip_calls) == 2  # done once it succeeded


def test_odoo_of_a_virtualenv_is_importable_from_dev_venv(tmp_path):
    import subprocess
    import venv

    odoo_env, dev_env = tmp_path / "odoo-venv", tmp_path / "dev-venv"
    venv.create(odoo_env, with_pip=False)
    venv.create(dev_env, with_pip=False, system_site_packages=True)
    site_of = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    odoo_site = subprocess.run(
        [odoo_env / "bin" / "python", "-c", site_of], capture_output=True, text=True
    ).stdout.strip()
    write(Path(odoo_site), "fake_odoo_marker.py", "WHERE = 'odoo venv'\n")
    devvenv._see_odoo_virtualenv(
        str(odoo_env / "bin" / "python"), str(dev_env / "bin" / "python")
    )
    res = subprocess.run(
        [
            dev_env / "bin" / "python",
            "-c",
            "import fake_odoo_marker as m; print(m.WHERE)",
        ],
        capture_output=True,
        text=True,
    )
    assert res.stdout.strip() == "odoo venv", res.stderr
    # a python that is no virtualenv adds nothing
    before = sorted(p.name for p in Path(odoo_site).iterdir())
    base_python = str(Path(sys.base_prefix) / "bin" / "python3")
    devvenv._see_odoo_virtualenv(base_python, str(odoo_env / "bin" / "python"))
    assert sorted(p.name for p in Path(odoo_site).iterdir()) == before
