//! `vobiz completions` and `vobiz man`, as a shell and `man` use them: the
//! bash script is loaded into a real bash and asked to complete.

use assert_cmd::Command;

const NO_PROFILES: &str = "/nonexistent/vobiz-test-profiles";

fn vobiz(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("vobiz")
        .unwrap()
        .env_clear()
        .env("VOBIZ_CONFIG_DIR", NO_PROFILES)
        .args(args)
        .output()
        .unwrap()
}

/// What bash offers after `words` (the last one being completed), with
/// the script `vobiz completions bash` printed loaded.
fn bash_completes(words: &[&str]) -> Vec<String> {
    let script = vobiz(&["completions", "bash"]);
    assert!(script.status.success());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vobiz.bash");
    std::fs::write(&path, &script.stdout).unwrap();
    let line = format!(
        "source {}; COMP_WORDS=({}); COMP_CWORD={}; _vobiz vobiz \"${{COMP_WORDS[-1]}}\" \"${{COMP_WORDS[-2]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        path.display(),
        words.join(" "),
        words.len() - 1
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &line])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn bash_completes_commands_and_their_flags() {
    assert_eq!(bash_completes(&["vobiz", "han"]), ["hangup"]);
    let flags = bash_completes(&["vobiz", "hangup", "--no"]);
    assert_eq!(flags, ["--notice"]);
    let shells = bash_completes(&["vobiz", "completions", "z"]);
    assert_eq!(shells, ["zsh"]);
}

#[test]
fn every_shell_gets_a_script_and_an_unknown_one_is_refused() {
    for (shell, mark) in [
        ("bash", "complete -F _vobiz"),
        ("zsh", "#compdef vobiz"),
        ("fish", "complete -c vobiz"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = vobiz(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(mark),
            "{shell}"
        );
    }
    let refused = vobiz(&["completions", "nushell"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(refused.stdout.is_empty());
}

#[test]
fn man_writes_a_page_for_the_tool_and_each_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = vobiz(&["man", "--out", dir.path().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for page in [
        "vobiz.1",
        "vobiz-hangup.1",
        "vobiz-sweep.1",
        "vobiz-console.1",
        "vobiz-console-add-moderator.1",
    ] {
        let text = std::fs::read_to_string(dir.path().join(page))
            .unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.contains(".TH"), "{page} is not a man page");
    }
    let hangup = std::fs::read_to_string(dir.path().join("vobiz-hangup.1")).unwrap();
    assert!(
        hangup.contains("notice"),
        "the page lacks the command's flags"
    );
}
