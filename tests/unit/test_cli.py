from __future__ import annotations

import io

from publish_action.cli import main


def test_input_error_is_annotated_under_github_only() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["--dry-run", "perhaps"], {"GITHUB_ACTIONS": "true"}, stdout=out, stderr=err) == 2
    # One annotation, through the same reporters as every other error; the runner shows it
    # in the log, so it is the one error block there (not printed again on stderr).
    assert out.getvalue().startswith(
        "::error title=publish-action failed (exit code 2)::input 'dry-run' must be true or false"
    )
    assert err.getvalue() == ""
    assert [ln for ln in out.getvalue().splitlines() if ln.startswith("::")] == [
        out.getvalue().splitlines()[0]
    ]
    out2, err2 = io.StringIO(), io.StringIO()
    assert main(["--dry-run", "perhaps"], {}, stdout=out2, stderr=err2) == 2
    assert "::" not in out2.getvalue()  # no workflow command outside GitHub
    assert "input 'dry-run' must be true or false" in err2.getvalue()
    assert out2.getvalue().startswith("nothing uploaded in ")


def test_internal_error_prints_traceback_and_exits_1(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import publish_action.pipeline.run as publish_module

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(publish_module, "_pipeline", boom)
    err = io.StringIO()
    code = main(["--packages-dir", str(tmp_path)], {}, stdout=io.StringIO(), stderr=err)
    assert code == 1
    assert "Traceback" in err.getvalue() and "RuntimeError: kaboom" in err.getvalue()
    assert "this is a bug in publish-action" in err.getvalue()


def test_verbose_says_where_each_setting_came_from_never_the_secret(tmp_path) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "home"
    home.mkdir()
    (home / ".pypirc").write_text(
        "[distutils]\nindex-servers = local\n[local]\nrepository = http://127.0.0.1:9/\n"
        "username = bob\n"
    )
    env = {"HOME": str(home), "TWINE_PASSWORD": "tw-s3cret-pw"}
    out, err = io.StringIO(), io.StringIO()
    argv = ["-r", "local", "--verbose", "--packages-dir", str(tmp_path / "none")]
    assert main(argv, env, stdout=out, stderr=err) == 2  # no such folder: after the notes
    lines = out.getvalue().splitlines()
    for line in (
        "  · repository-url: from ~/.pypirc [local]",
        "  · repository: from -r",
        "  · user: from ~/.pypirc [local]",
        "  · password: from TWINE_PASSWORD",
        "  · verbose: from --verbose",
    ):
        assert line in lines, out.getvalue()
    assert "tw-s3cret-pw" not in out.getvalue() + err.getvalue()
    quiet = io.StringIO()
    main(argv[:2] + argv[3:], env, stdout=quiet, stderr=io.StringIO())
    assert "from TWINE_PASSWORD" not in quiet.getvalue()  # debug lines only with verbose
