//! `vobiz api`: any operation of the spec by its operationId, with the same
//! credentials, retries, redaction, audit, `--json` and exit codes as the
//! other commands (`gh api` is the model). Built on `Client::invoke`, so an
//! operation imported tomorrow is here with no change.

use std::io::Read;

use clap::Args;
use serde_json::{Value, json};
use vobiz::Client;
use vobiz::generated::operations;
use vobiz::invoke::{Answer, Arguments};
use vobiz::operation::Operation;

use crate::output::{self, Failure, Out, shown};

/// The most a `--body @FILE` is read.
const MAX_BODY: u64 = 4 * 1024 * 1024;

#[derive(Args)]
pub struct ApiArgs {
    #[command(flatten)]
    account: crate::flags::Account,
    #[command(flatten)]
    audit: crate::flags::AuditFlag,
    /// The operation's operationId (`vobiz api --list` lists them).
    #[arg(required_unless_present = "list")]
    operation: Option<String>,
    /// A path or query parameter, named as its page names it (repeatable).
    /// `auth_id` is the account's unless given.
    #[arg(short = 'p', long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// The request body: JSON, or @FILE (@- for stdin).
    #[arg(long, value_name = "JSON|@FILE")]
    body: Option<String>,
    /// List the operations with their method and path.
    #[arg(long, conflicts_with_all = ["operation", "params", "body"])]
    list: bool,
    /// Do not ask before an operation that changes state; needed when
    /// stdin is not a terminal.
    #[arg(long, short)]
    yes: bool,
}

impl ApiArgs {
    /// Whether this only lists (needs no credentials).
    pub fn lists(&self) -> bool {
        self.list
    }

    /// `--audit-log`.
    pub fn audit(&self) -> &crate::flags::AuditFlag {
        &self.audit
    }

    /// The account flags.
    pub fn account(&self) -> &crate::flags::Account {
        &self.account
    }
}

/// `vobiz api --list`: every operation, by path.
pub fn list(out: &Out) -> Result<(), Failure> {
    let rows: Vec<String> = operations::ALL
        .iter()
        .map(|op| format!("{:<32} {:<7} {}", op.id, op.method.as_str(), op.path))
        .collect();
    let json: Vec<Value> = operations::ALL
        .iter()
        .map(|op| json!({"operation": op.id, "method": op.method.as_str(), "path": op.path}))
        .collect();
    out.print(&rows.join("\n"), &json);
    Ok(())
}

/// `vobiz api OPERATION ...`: checks everything, asks before a change,
/// sends, prints the answer.
pub async fn call(client: &Client, out: &Out, args: ApiArgs) -> Result<(), Failure> {
    let id = args.operation.as_deref().unwrap_or_default();
    let operation = find(id)?;
    let request = arguments(&args)?;
    if operation.changes_state() {
        out.check_audit()?;
        let question = format!(
            "Send {} {}?",
            operation.method,
            target(operation, &args, client.auth_id())
        );
        output::confirm(args.yes, &question, "yes")?;
    }
    let answer = client.invoke(operation, &request).await?;
    out.audited()?;
    out.note(&format!("HTTP {}", answer.status));
    let body = match &answer.body {
        Answer::Json(value) => value.clone(),
        Answer::Bytes(bytes) => Value::String(String::from_utf8_lossy(bytes).into_owned()),
        _ => Value::Null,
    };
    let text = match &body {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    };
    let document = json!({"operation": operation.id, "status": answer.status, "body": body});
    out.print(&text, &document);
    Ok(())
}

fn find(id: &str) -> Result<&'static Operation, Failure> {
    operations::ALL
        .iter()
        .copied()
        .find(|op| op.id == id)
        .ok_or_else(|| {
            Failure::Usage(format!(
                "no operation `{}` (`vobiz api --list` lists them)",
                shown(id)
            ))
        })
}

fn arguments(args: &ApiArgs) -> Result<Arguments, Failure> {
    let mut request = Arguments::new();
    for param in &args.params {
        let (name, value) = param.split_once('=').ok_or_else(|| {
            Failure::Usage(format!("--param {}: write it as NAME=VALUE", shown(param)))
        })?;
        request = request.param(name, value);
    }
    if let Some(body) = &args.body {
        let text = match body.strip_prefix('@') {
            Some(file) => read_body(file)?,
            None => body.clone(),
        };
        let value = serde_json::from_str(&text)
            .map_err(|e| Failure::Usage(format!("--body is not JSON: {e}")))?;
        request = request.body(value);
    }
    Ok(request)
}

/// `--body @FILE`'s text (`-`: stdin), at most [`MAX_BODY`] bytes.
fn read_body(file: &str) -> Result<String, Failure> {
    let reader: Box<dyn Read> = if file == "-" {
        Box::new(std::io::stdin())
    } else {
        let opened = std::fs::File::open(file)
            .map_err(|e| Failure::Usage(format!("--body @{}: {e}", shown(file))))?;
        Box::new(opened)
    };
    let mut text = String::new();
    reader
        .take(MAX_BODY + 1)
        .read_to_string(&mut text)
        .map_err(|e| Failure::Usage(format!("--body @{}: {e}", shown(file))))?;
    if text.len() as u64 > MAX_BODY {
        return Err(Failure::Usage(format!(
            "--body @{}: longer than {MAX_BODY} bytes",
            shown(file)
        )));
    }
    Ok(text)
}

/// The path as it will be sent, for the confirmation: each given
/// parameter in place, shown escaped, and the account the client fills in
/// where none is given (so the person sees which account changes).
fn target(operation: &Operation, args: &ApiArgs, account: &str) -> String {
    operation.fill_path(|name| {
        let given = args
            .params
            .iter()
            .filter_map(|p| p.split_once('='))
            .find(|(n, _)| *n == name)
            .map(|(_, value)| value);
        match given {
            Some(value) => Some(shown(value)),
            None => (Some(name) == operation.account_param()).then(|| shown(account)),
        }
    })
}
