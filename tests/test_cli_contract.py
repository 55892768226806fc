"""The command-line contract has no holes (issue 12, item 3).

Exit 1 means VIOLATED only: an unexpected exception is exit 4 (one line), Ctrl-C is
exit 130 (one line, the answered results still reported, the others INCONCLUSIVE), also
with ``--jobs`` workers. Every error is one line, and no error quotes a secret of the
files read, whatever path wrote it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import ipsecmc.cli
import ipsecmc.workflows.check
import ipsecmc.workflows.tunnel_check
from ipsecmc.cli import main
from ipsecmc.properties import Property
from ipsecmc.safe_text import digest, one_line, redact, secret_scope
from ipsecmc.safe_text import note_secrets as note
from ipsecmc.workflows.check import CheckOptions, PropertyResult
from tests.conftest import MODELS

SEED = MODELS / "seed-intended"
SECRET = "S3cretPSK-hunter2"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


# ------------------------------------------------------------------- internal errors


def _raise_recursion(*args: object, **kwargs: object) -> PropertyResult:
    raise RecursionError("maximum recursion depth exceeded")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_unexpected_exception_is_exit_4_in_one_line(
    monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    """In this process and in forked workers (two properties: two searches, a pool)."""
    monkeypatch.setattr(ipsecmc.workflows.tunnel_check, "check_tunnel", _raise_recursion)
    monkeypatch.delenv("IPSECMC_DEBUG", raising=False)
    args = ["check", str(SEED), "--property", "agreement", "--property", "establishes"]
    code, out, err = invoke(*args, "--jobs", jobs)
    assert code == 4
    assert out == ""
    assert err.startswith("ipsecmc: internal error: RecursionError: maximum recursion depth")
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_ipsecmc_debug_adds_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ipsecmc.workflows.tunnel_check, "check_tunnel", _raise_recursion)
    monkeypatch.setenv("IPSECMC_DEBUG", "1")
    code, _, err = invoke("check", str(SEED), "--property", "agreement")
    assert code == 4
    assert "Traceback" in err
    assert err.splitlines()[-1].startswith("ipsecmc: internal error: RecursionError")


# ------------------------------------------------------------------------- Ctrl-C


def _interrupt_after_agreement(monkeypatch: pytest.MonkeyPatch) -> None:
    """``agreement`` is checked for real; the next search is "interrupted by Ctrl-C"."""
    real = ipsecmc.workflows.tunnel_check.check_tunnel

    def check_tunnel(
        system: object, prop: Property, options: CheckOptions, *rest: object
    ) -> PropertyResult:
        if prop.name != "agreement":
            raise KeyboardInterrupt
        return real(system, prop, options, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(ipsecmc.workflows.tunnel_check, "check_tunnel", check_tunnel)


def test_ctrl_c_reports_what_is_answered_and_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    _interrupt_after_agreement(monkeypatch)
    props = ["--property", "agreement", "--property", "establishes", "--property", "recoverable"]
    code, out, err = invoke("check", str(SEED), *props, "--jobs", "1")
    assert code == 130
    assert "  agreement (bounded, T = 110 s): VIOLATED" in out
    assert "  establishes (reachable): INCONCLUSIVE (interrupted (Ctrl-C)" in out
    assert "  recoverable (recoverable): INCONCLUSIVE (interrupted (Ctrl-C)" in out
    assert err == (
        "ipsecmc: interrupted: stopped by Ctrl-C (SIGINT): 2 of 3 result(s) not answered, "
        "reported as INCONCLUSIVE\n"
    )


def test_ctrl_c_json_marks_the_unanswered_results(monkeypatch: pytest.MonkeyPatch) -> None:
    _interrupt_after_agreement(monkeypatch)
    args = ["check", str(SEED), "--property", "agreement", "--property", "establishes"]
    code, out, _ = invoke(*args, "--format", "json", "--jobs", "1")
    assert code == 130
    results = json.loads(out)["results"]
    assert [(r["property"], r["verdict"], r["facts"]) for r in results] == [
        (
            "agreement",
            "VIOLATED",
            {"longest_stretch": {"seconds": 111, "exact": False, "at_most": None}},
        ),
        ("establishes", "INCONCLUSIVE", {"interrupted": True}),
    ]


def test_ctrl_c_with_unknowns_reports_what_is_answered(monkeypatch: pytest.MonkeyPatch) -> None:
    _interrupt_after_agreement(monkeypatch)
    props = ["--property", "agreement", "--property", "establishes"]
    code, out, _ = invoke("check", str(SEED), *props, "--assume-unknown", "office1")
    assert code == 130
    assert "agreement (bounded, T = 110 s): VIOLATED" in out
    assert "establishes (reachable): INCONCLUSIVE (interrupted (Ctrl-C)" in out


def test_ctrl_c_in_any_command_is_one_line_and_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> list[object]:
        raise KeyboardInterrupt

    monkeypatch.setattr(ipsecmc.cli.read, "lint_paths", interrupted)
    code, out, err = invoke("lint", str(SEED))
    assert (code, out) == (130, "")
    assert err == "ipsecmc: interrupted: stopped by Ctrl-C (SIGINT)\n"


#: Runs ``ipsecmc check`` with every property but ``agreement`` sleeping (after a line on
#: stderr), so a real SIGINT reliably arrives while searches are still running.
_SLEEPY = """
import sys, time
import ipsecmc.workflows.check
from ipsecmc.cli import main
real = ipsecmc.workflows.tunnel_check.check_tunnel
def check_tunnel(system, prop, *rest):
    if prop.name == "agreement":
        return real(system, prop, *rest)
    print("test: sleeping in " + prop.name, file=sys.stderr, flush=True)
    time.sleep(600)
ipsecmc.workflows.tunnel_check.check_tunnel = check_tunnel
sys.argv[0] = "ipsecmc"
main()
"""


#: ``ipsecmc fix`` with every re-check of a candidate sleeping (the first check runs as
#: usual; only the re-checks turn ``longest`` off), so SIGINT arrives in a re-check round.
_SLEEPY_RECHECK = """
import sys, time
import ipsecmc.workflows.check
from ipsecmc.cli import main
real = ipsecmc.workflows.tunnel_check.check_tunnel
def check_tunnel(system, prop, options, *rest):
    if options.longest:
        return real(system, prop, options, *rest)
    print("test: sleeping in a re-check", file=sys.stderr, flush=True)
    time.sleep(600)
ipsecmc.workflows.tunnel_check.check_tunnel = check_tunnel
sys.argv[0] = "ipsecmc"
main()
"""


def _sigint_once_sleeping(script: str, *args: str) -> tuple[int, str, str]:
    """Run ``script`` with ``args``; at its first ``test: sleeping`` line on stderr, send
    SIGINT to its whole process group (a terminal's Ctrl-C: workers included)."""
    # as in a terminal: a shell starts background jobs with SIGINT ignored, and a child
    # inherits that, so a suite run in the background would never see the Ctrl-C
    terminal = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n"
    proc = subprocess.Popen(
        [sys.executable, "-c", terminal + script, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:  # wait until a search is running
        seen.append(line)
        if line.startswith("test: sleeping"):
            break
    os.killpg(proc.pid, signal.SIGINT)
    out, rest = proc.communicate(timeout=120)
    return proc.returncode, out, "".join(seen) + rest


def _one_interrupted_line(code: int, err: str) -> None:
    assert code == 130, err
    assert "Traceback" not in err
    assert err.splitlines()[-1].startswith("ipsecmc: interrupted: stopped by Ctrl-C (SIGINT)")


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_real_sigint_gives_130_without_traceback(jobs: str) -> None:
    """A terminal's Ctrl-C: SIGINT to the whole process group (workers included)."""
    args = ["check", str(SEED), "--property", "agreement", "--property", "establishes"]
    code, out, err = _sigint_once_sleeping(_SLEEPY, *args, "--jobs", jobs)
    _one_interrupted_line(code, err)
    assert "establishes (reachable): INCONCLUSIVE (interrupted (Ctrl-C)" in out
    if jobs == "1":  # searched in order: agreement was answered before the interruption
        assert "agreement (bounded, T = 110 s): VIOLATED" in out


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_real_sigint_in_fix_rechecks_gives_130(jobs: str) -> None:
    """``fix`` re-checks its candidates in one pool run: Ctrl-C there stops it as before
    (one line, exit 130, nothing on stdout)."""
    args = ["fix", str(SEED), "--property", "agreement", "--jobs", jobs]
    code, out, err = _sigint_once_sleeping(_SLEEPY_RECHECK, *args)
    _one_interrupted_line(code, err)
    assert out == ""


# ------------------------------------------------------------------- one line


def test_a_value_with_a_newline_gives_one_error_line(tmp_path: Path) -> None:
    text = (SEED / "site2.conf").read_text(encoding="utf-8")
    broken = text.replace('set srcaddr "office1" "office2"', 'set srcaddr "off\nice\x1b[31m"')
    assert broken != text
    (tmp_path / "site2.conf").write_text(broken, encoding="utf-8")
    code, out, err = invoke("check", str(SEED / "site1.conf"), str(tmp_path / "site2.conf"))
    assert (code, out) == (2, "")
    assert len(err.splitlines()) == 1 and err.endswith("\n")
    assert "undefined address 'off\\nice\\x1b[31m'" in err


def test_one_line_escapes_every_control_character() -> None:
    assert one_line("a\nb\rc\td\x1b[0m\x00e\u2028f") == "a\\nb\\rc\\td\\x1b[0m\\x00e\\u2028f"
    assert one_line("plain text: 'x' (y)") == "plain text: 'x' (y)"


# ------------------------------------------------------------------- secrets


def _seed_variant(tmp_path: Path, name: str, *edits: tuple[str, str]) -> Path:
    text = (SEED / name).read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


_PSK2 = "set psksecret ENC c2l0ZTItZmFrZS1lbmNyeXB0ZWQtcHNrLWRvLW5vdC11c2UtNzM5MTgyNjQ1MDE4MjczNjQ1"


def _no_secret(code: int, out: str, err: str) -> None:
    assert code == 2
    assert SECRET not in out + err
    assert "S3cret" not in out + err and "hunter2" not in out + err
    assert "<redacted>" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize(
    "reuse",
    [
        ('set srcaddr "office1" "office2"', f'set srcaddr "{SECRET}"'),  # an undefined address
        ('set intf "port1"', f'set intf "{SECRET}"'),  # an undefined interface
    ],
)
def test_a_secret_reused_as_a_name_is_redacted(tmp_path: Path, reuse: tuple[str, str]) -> None:
    site2 = _seed_variant(tmp_path, "site2.conf", (_PSK2, f'set psksecret "{SECRET}"'), reuse)
    _no_secret(*invoke("check", str(SEED / "site1.conf"), str(site2)))
    _, out, err = invoke("lint", str(SEED / "site1.conf"), str(site2), "--format", "json")
    assert SECRET not in out + err and "<redacted>" in out


def test_select_of_a_secret_field_is_redacted_too(tmp_path: Path) -> None:
    site2 = _seed_variant(
        tmp_path,
        "site2.conf",
        (_PSK2, f'select psksecret "{SECRET}"'),
        ('set srcaddr "office1" "office2"', f'set srcaddr "{SECRET}"'),
    )
    _no_secret(*invoke("check", str(SEED / "site1.conf"), str(site2)))


def test_a_port_range_error_never_quotes_a_piece_of_a_secret(tmp_path: Path) -> None:
    """``udp-portrange`` is split at ``-`` and ``:``: no piece of the secret is quoted."""
    site2 = _seed_variant(
        tmp_path,
        "site2.conf",
        (_PSK2, f'set psksecret "{SECRET}"'),
        (
            "config firewall local-in-policy",
            "config firewall service custom\n"
            f'    edit "odd"\n        set udp-portrange "{SECRET}"\n    next\nend\n'
            "config firewall local-in-policy",
        ),
    )
    code, out, err = invoke("check", str(SEED / "site1.conf"), str(site2))
    _no_secret(code, out, err)
    assert "udp-portrange" in err


def test_redact_replaces_words_and_quoted_strings_equal_to_a_secret() -> None:
    message = "policy 1 refers to 'my secret' and to my-key; use --assume-unknown my-key"
    assert redact(message) == message  # outside a scope nothing is known
    with secret_scope():
        note([digest("my secret"), digest("my-key")])
        assert redact(message) == (
            "policy 1 refers to <redacted> and to <redacted>; use --assume-unknown <redacted>"
        )
    assert redact(message) == message  # the scope ended with the command
