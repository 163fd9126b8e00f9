# Copyright 2026 crm_lead_routing contributors
# License LGPL-3.0-or-later (https://www.gnu.org/licenses/lgpl-3.0).
"""README.rst, what OCA's Apps store and PyPI show, is generated from
__manifest__.py and readme/*.md by tools/readme_rst.py and must be current."""

import importlib.util
from pathlib import Path

TOOL = Path(__file__).resolve().parents[1] / "readme_rst.py"
_spec = importlib.util.spec_from_file_location("readme_rst", TOOL)
readme_rst = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(readme_rst)


def test_readme_rst_is_generated_from_the_current_fragments_and_manifest(capsys):
    assert readme_rst.main(["--check"]) == 0, capsys.readouterr().err


def test_readme_rst_shows_every_fragment_and_the_manifest_s_facts():
    text = (readme_rst.ROOT / "README.rst").read_text(encoding="utf-8")
    manifest, fragments = readme_rst.read_inputs()
    assert set(fragments) >= {"DESCRIPTION", "CONFIGURE", "USAGE", "CONTRIBUTORS"}
    assert text.startswith("================\nCRM Lead Routing\n================\n")
    for heading in ("Configuration", "Usage", "Bug Tracker", "Credits"):
        assert f"\n{heading}\n{'=' * len(heading)}\n" in text
    assert "badge/maturity-Beta-yellow" in text
    assert "badge/licence-LGPL--3-blue" in text
    assert "- `crm-lead-routing <https://github.com/crm-lead-routing>`__" in text
    # each fragment's first line reaches README.rst
    for body in fragments.values():
        assert readme_rst.inline(body.strip().splitlines()[0]) in text


def test_check_fails_on_a_stale_readme_and_writing_makes_it_current(
    tmp_path, monkeypatch, capsys
):
    (tmp_path / "readme").mkdir()
    (tmp_path / "__manifest__.py").write_text(
        '{"name": "X", "license": "LGPL-3", "author": "A, B",'
        ' "website": "https://github.com/o/x", "maintainers": ["o"]}'
    )
    (tmp_path / "readme" / "DESCRIPTION.md").write_text("Does *one* thing.\n")
    monkeypatch.setattr(readme_rst, "ROOT", tmp_path)
    assert readme_rst.main(["--check"]) == 1
    assert "README.rst is stale" in capsys.readouterr().err
    assert readme_rst.main([]) == 0
    assert readme_rst.main(["--check"]) == 0
    text = (tmp_path / "README.rst").read_text()
    assert "Does *one* thing." in text
    assert "- A\n- B\n" in text
    assert "Usage\n=====" not in text  # no fragment, no section
    (tmp_path / "readme" / "USAGE.md").write_text("- Click.\n")
    assert readme_rst.main(["--check"]) == 1


def test_markdown_lists_code_and_links_become_restructuredtext():
    markdown = (
        "Set `routing_auto_assign`, see [the docs](https://example.org/a):\n"
        "* first,\n"
        "  more of the first\n"
    )
    assert readme_rst.markdown_to_rst(markdown) == (
        "Set ``routing_auto_assign``, see `the docs <https://example.org/a>`__:\n"
        "\n"
        "- first,\n"
        "  more of the first\n"
    )
