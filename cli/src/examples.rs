//! The examples under each command's `--help`, the 3 a.m. tasks first, as
//! gh and kubectl show them. Each is a command that works as written
//! (against `vobiz simulator`, the names aside).

/// Under `vobiz --help`.
pub const TOP: &str = "\
Examples:
  # End a room now (shows it, asks, ends it)
  vobiz hangup standup
  # Tell everyone first, then end it
  vobiz hangup standup --notice https://example.com/ending.mp3 --grace 10s
  # Mute a disruptive member (ids from `vobiz room standup`)
  vobiz members standup mute 12
  # What is running, and for how long
  vobiz rooms
  vobiz room standup
  # Try any of it without an account
  vobiz demo";

pub const ROOMS: &str = "\
Examples:
  vobiz rooms
  vobiz rooms --json | jq -r '.conferences[]'";

pub const ROOM: &str = "\
Examples:
  vobiz room standup
  vobiz room standup --json | jq '.members[] | select(.muted == false)'";

pub const HANGUP: &str = "\
Examples:
  # Show the room, ask, end it
  vobiz hangup standup
  # Play a notice to everyone, wait, then end
  vobiz hangup standup --notice https://example.com/ending.mp3 --grace 15s
  # Several rooms from a script (no prompt), logged
  vobiz hangup standup design-review --yes --audit-log ~/vobiz-audit.jsonl
  # Every room on the account: type the auth ID to confirm
  vobiz hangup --all";

pub const MEMBERS: &str = "\
Examples:
  vobiz members standup mute 12
  vobiz members standup kick 12 15
  # Everyone but the host
  vobiz members standup mute --all --except 10
  vobiz members standup play https://example.com/notice.mp3 --all";

pub const RECORD: &str = "\
Examples:
  vobiz record standup start --callback https://example.com/recordings
  vobiz record standup stop";

pub const SWEEP: &str = "\
Examples:
  # See first: which would end, which are gone, which cannot be read
  vobiz sweep stale-rooms.txt --dry-run
  vobiz sweep stale-rooms.txt
  # From a script: names on stdin, one JSON line per room
  cat stale-rooms.txt | vobiz sweep - --yes --json
  # The rooms a receiver saw start
  vobiz sweep --rooms-from http://127.0.0.1:4020/rooms --dry-run";

pub const ENFORCE: &str = "\
Examples:
  # What a two-hour limit would end now
  vobiz enforce --max-duration 2h --once --dry-run
  # From cron: one pass, no prompt, logged
  vobiz enforce --max-duration 2h --once --yes --audit-log /var/log/vobiz-audit.jsonl
  # Keep watching, warning rooms first
  vobiz enforce --max-duration 45m --every 1m --notice https://example.com/limit.mp3";

pub const SIMULATOR: &str = "\
Examples:
  vobiz simulator --room standup:3 --room design-review:2
  # then, in another terminal, the lines it prints, and:
  vobiz rooms";

pub const DEMO: &str = "\
Examples:
  vobiz demo";

pub const XML: &str = "\
Examples:
  vobiz xml conference standup --start-on-enter false --wait-sound https://example.com/hold.xml";

pub const CALLBACKS: &str = "\
Examples:
  vobiz callbacks serve --port 4020
  vobiz callbacks serve --port 4020 --public-url https://hooks.example.com/vobiz";

pub const API: &str = "\
Examples:
  vobiz api --list
  vobiz api get-conference -p conference_name=standup
  vobiz api delete-conference -p conference_name=standup --yes";

pub const COMPLETIONS: &str = "\
Examples:
  vobiz completions bash > ~/.local/share/bash-completion/completions/vobiz
  vobiz completions zsh > ~/.zfunc/_vobiz
  vobiz completions fish > ~/.config/fish/completions/vobiz.fish";

pub const MAN: &str = "\
Examples:
  vobiz man --out ~/.local/share/man/man1";

pub const CONSOLE: &str = "\
Examples:
  # Try it: a simulator behind it, a one-time sign-in link printed
  vobiz console --simulate
  vobiz console add-moderator ada
  vobiz console --profile production --bind 0.0.0.0 --public-url https://console.example.com";

pub const PROFILE: &str = "\
Examples:
  # The token is asked for without echo (or read from stdin), and checked
  vobiz profile add production --auth-id MA_PRODUCTION1
  pass show vobiz/staging | vobiz profile add staging --auth-id MA_STAGING01
  vobiz profile list
  vobiz profile use production
  vobiz rooms --profile staging
  VOBIZ_PROFILE=staging vobiz rooms";

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    /// Every example line parses as the CLI reads it, so no help shows a
    /// flag that is not there (or sits where it is not taken).
    #[test]
    fn every_example_parses() {
        let mut seen = 0;
        let mut pending = vec![crate::Cli::command()];
        while let Some(command) = pending.pop() {
            let help = command
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            for line in help
                .lines()
                .map(str::trim)
                .filter(|l| l.starts_with("vobiz "))
            {
                let line = line.split(['|', '>']).next().unwrap_or_default();
                let words: Vec<&str> = line.split_whitespace().collect();
                if let Err(e) = crate::Cli::try_parse_from(&words) {
                    panic!("{line}: {e}");
                }
                seen += 1;
            }
            pending.extend(command.get_subcommands().cloned());
        }
        assert!(seen >= 40, "{seen} examples");
    }

    /// Every command a person runs has examples.
    #[test]
    fn every_command_has_examples() {
        for command in crate::Cli::command().get_subcommands() {
            let help = command
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            assert!(help.starts_with("Examples:"), "{}", command.get_name());
        }
    }
}
