//! What an operation is, to the handwritten layer: its identity as
//! generation describes it. Every operation of the spec has one `static` in
//! [`crate::generated::operations`] (`operations::KICK_MEMBER`, ...), and
//! code names operations by those statics, never by strings, so a typo fails
//! to compile and a newly imported operation is known everywhere at once.

/// One operation of the spec.
#[derive(Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Operation {
    /// The spec's `operationId`, e.g. `kick-member`.
    pub id: &'static str,
    /// The generated method's name, e.g. `kick_member`, which progenitor
    /// also passes to the hooks.
    pub method_name: &'static str,
    /// The HTTP method.
    pub method: reqwest::Method,
    /// The path template, e.g.
    /// `/api/v1/Account/{auth_id}/Conference/{conference_name}/`.
    pub path: &'static str,
    /// The template split at `/`: a literal segment, or `None` where a
    /// parameter goes.
    pub segments: &'static [Option<&'static str>],
    /// The schema of its JSON success answer, as compact JSON text in the
    /// spec's own (OpenAPI) terms: only the keywords that decide a value's
    /// shape, references inlined. A 2xx body that does not decode is
    /// described against it ([`Error::Decode`](crate::Error::Decode) names
    /// the field). `None` where the spec gives its success no JSON shape.
    pub answer_schema: Option<&'static str>,
    /// The path parameter that names the caller's own account (`auth_id`;
    /// `account_id` on one page), if the path has one. The generated
    /// builders start with it set to the client's account.
    pub account_param: Option<&'static str>,
}

impl Operation {
    /// The names of the path's parameters, in order (`auth_id`,
    /// `conference_name`, ...).
    pub fn param_names(&self) -> impl Iterator<Item = &'static str> + use<> {
        self.path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
    }

    /// The path with each parameter `value` gives replaced (by exactly what
    /// it returns), and the template's `{name}` left where it gives `None`.
    pub fn fill_path(&self, mut value: impl FnMut(&str) -> Option<String>) -> String {
        let mut names = self.param_names();
        self.segments
            .iter()
            .zip(self.path.split('/'))
            .map(|(literal, template)| match literal {
                Some(literal) => (*literal).to_owned(),
                None => names
                    .next()
                    .and_then(&mut value)
                    .unwrap_or_else(|| template.to_owned()),
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The path parameter that names the caller's own account, if the path
    /// has one: the client fills it in, and the simulator checks it.
    pub fn account_param(&self) -> Option<&'static str> {
        self.account_param
    }

    /// Whether sending it may change state on the server: every method but
    /// the safe ones (GET, HEAD, OPTIONS, TRACE).
    pub fn changes_state(&self) -> bool {
        !matches!(
            self.method,
            reqwest::Method::GET
                | reqwest::Method::HEAD
                | reqwest::Method::OPTIONS
                | reqwest::Method::TRACE
        )
    }
}

impl Operation {
    /// Whether a call of it goes into the audit trail now: it changes
    /// state, and something listens on `vobiz::audit`. (The transport reads
    /// a success's `api_id` only then: it costs a JSON parse per answer.)
    pub(crate) fn is_audited(&self) -> bool {
        self.changes_state() && tracing::enabled!(target: "vobiz::audit", tracing::Level::INFO)
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id)
    }
}
