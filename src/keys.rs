//! The library's config keys and the options that set them, in one table (may use: nothing
//! of the command line's own).
//!
//! The library names every setting by its config key (`batch_size`, `target.points`,
//! `optim_g.lr`): an invalid value is `invalid KEY: …`, and a message that mentions another
//! setting writes its key between backquotes (`` `target.resample` ``). The command line shows
//! its own names instead, translated here once, when `main` prints an error ([`in_text`]):
//! `invalid --points: …`, `pass --resample N`. A key the user set in a `--config` file and not
//! by its option stays a key, since that is what they wrote.
//!
//! [`CONFIG_FLAGS`] also feeds `--help`: each option that sets a key of `config.toml` says
//! which (`[config key: optim_g.lr]`; `commands.md` in the guide shows them), and the tests
//! read them there: every case of bad input on the command line is tried again as a config
//! file (`tests/cli/bad_input.rs`).

/// `(config key, the option that sets it)` for the keys of a run's `config.toml`, in its
/// order; `--help` names them ([`help_keys`]).
pub const CONFIG_FLAGS: &[(&str, &str)] = &[
    ("steps", "--steps"),
    ("seed", "--seed"),
    ("batch_size", "--batch-size"),
    ("latent_dim", "--latent-dim"),
    ("g_hidden", "--g-hidden"),
    ("d_hidden", "--d-hidden"),
    ("activation", "--activation"),
    ("g_batchnorm", "--g-batchnorm"),
    ("g_basis", "--g-basis"),
    ("d_maxout", "--d-maxout"),
    ("loss", "--loss"),
    ("n_critic", "--n-critic"),
    ("clip", "--clip"),
    ("gp_weight", "--gp-weight"),
    ("r1", "--r1"),
    ("top_k", "--top-k"),
    ("top_k_anneal", "--top-k-anneal"),
    ("spectral_norm", "--spectral-norm"),
    ("g_ema", "--g-ema"),
    ("optim_g", "--optim-g"),
    ("optim_g.kind", "--optim-g"),
    ("optim_g.lr", "--lr-g"),
    ("optim_g.betas", "--betas"),
    ("optim_d", "--optim-d"),
    ("optim_d.kind", "--optim-d"),
    ("optim_d.lr", "--lr-d"),
    ("optim_d.betas", "--betas"),
    ("lr_decay", "--lr-decay"),
    ("target", "--target"),
    ("target.kind", "--target"),
    ("target.expr", "--target"),
    ("target.params", "--param"),
    ("target.points", "--points"),
    ("target.x_range", "--x-range"),
    ("target.path", "--data"),
    ("target.condition_columns", "--condition-columns"),
    ("target.resample", "--resample"),
    ("target.holdout", "--holdout"),
    ("target.scale", "--scale"),
    ("plot_every", "--plot-every"),
    ("eval_every", "--eval-every"),
    ("eval_samples", "--eval-samples"),
    ("eval_metrics", "--eval-metrics"),
    ("keep_best", "--keep-best"),
    ("early_stop", "--early-stop"),
    ("checkpoint_every", "--checkpoint-every"),
    ("tensorboard", "--tensorboard"),
    ("conditional", "--conditional"),
    ("pack", "--pack"),
];

/// `(name, option)` for the settings outside a run's `config.toml`, by the library's name for
/// them (its parameters').
pub const OTHER_FLAGS: &[(&str, &str)] = &[
    ("config", "--config"),
    ("out", "--out"),
    ("force", "--force"),
    ("resume", "--resume"),
    ("name", "--name"),
    ("tag", "--tag"),
    ("run", "--run"),
    ("step", "--step"),
    ("count", "--count"),
    ("n", "--n"),
    ("condition", "--condition"),
    ("format", "--format"),
    ("seeds", "--seeds"),
    ("trials", "--trials"),
    ("draws", "--draws"),
    ("jobs", "--jobs"),
    ("dataset", "--dataset"),
    ("success", "--success"),
    ("grid", "--grid"),
    ("random", "--random"),
    ("metric", "--metric"),
    ("eval_n", "--eval-n"),
    ("backend", "--backend"),
    ("slurm_args", "--slurm-arg"),
    ("slurm_binary", "--slurm-binary"),
];

/// Options that set several keys at once, for `--help`.
const SEVERAL: &[(&str, &[&str])] = &[("--hidden", &["g_hidden", "d_hidden"])];

/// The option that sets the config key `key`, if the command line has one.
pub fn flag(key: &str) -> Option<&'static str> {
    (CONFIG_FLAGS.iter().chain(OTHER_FLAGS))
        .find(|(k, _)| *k == key)
        .map(|(_, f)| *f)
}

/// The config keys the option `flag` sets, as `--help` names them: `optim_g.lr` for `--lr-g`,
/// `optim_g.betas, optim_d.betas` for `--betas`; a key whose keys below it are listed is left
/// out (`target` beside `target.kind`). Empty for an option that sets no key of `config.toml`.
pub fn help_keys(flag: &str) -> Vec<&'static str> {
    if let Some((_, keys)) = SEVERAL.iter().find(|(f, _)| *f == flag) {
        return keys.to_vec();
    }
    let keys: Vec<&str> = (CONFIG_FLAGS.iter())
        .filter(|(_, f)| *f == flag)
        .map(|(k, _)| *k)
        .collect();
    (keys.iter())
        .filter(|k| {
            !keys
                .iter()
                .any(|o| o.len() > k.len() && o.starts_with(&format!("{k}.")))
        })
        .copied()
        .collect()
}

/// How [`in_text`] names a key: by its option, unless `file` says the key came from a config
/// file (its option was not typed), when it stays a key.
pub struct Names<'a> {
    /// True if the settings were read from a config file (`--config`, a run's own).
    pub from_file: bool,
    /// The arguments given, to see which options were typed.
    pub args: &'a [String],
}

impl Names<'_> {
    /// The name the user knows `key` by: its option, or the key itself (none in the tables, or
    /// a key of a config file whose option was not typed).
    fn of(&self, key: &str) -> Option<&'static str> {
        let flag = flag(key)?;
        // A key the user typed as a key (`--grid optim_g.lr=…`, `--random …`) stays one.
        let as_key = format!("{key}=");
        let typed_as_key = self.args.iter().any(|a| {
            let a = (a
                .strip_prefix("--grid=")
                .or_else(|| a.strip_prefix("--random=")))
            .unwrap_or(a);
            a.starts_with(&as_key)
        });
        if typed_as_key {
            return None;
        }
        let typed = || {
            (self.args.iter())
                .any(|a| a == flag || a.strip_prefix(flag).is_some_and(|r| r.starts_with('=')))
        };
        match !self.from_file || typed() {
            true => Some(flag),
            false => None,
        }
    }
}

/// True for a character of a config key: `[a-z0-9_.]`.
fn key_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'
}

/// `text` (an error as the library writes it) in the command line's words: `invalid KEY:` at
/// the start of a line or after `: ` and every `` `KEY` `` become the option, for each key of
/// [`CONFIG_FLAGS`] and [`OTHER_FLAGS`] that `names` shows by its option. Everything else is left as it is.
pub fn in_text(text: &str, names: &Names) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        // `KEY` between backquotes.
        if let Some(after) = rest.strip_prefix('`') {
            let len = after.find(|c: char| !key_char(c)).unwrap_or(after.len());
            if after[len..].starts_with('`') {
                if let Some(flag) = names.of(&after[..len]) {
                    out.push_str(flag);
                    rest = &after[len + 1..];
                    continue;
                }
            }
        }
        // `invalid KEY: ` as the library's Config error begins.
        if let Some(after) = rest.strip_prefix("invalid ") {
            let at_start = out.is_empty() || out.ends_with(": ") || out.ends_with('\n');
            let len = after.find(|c: char| !key_char(c)).unwrap_or(after.len());
            if at_start && after[len..].starts_with(": ") {
                if let Some(flag) = names.of(&after[..len]) {
                    out.push_str("invalid ");
                    out.push_str(flag);
                    rest = &after[len..];
                    continue;
                }
            }
        }
        let c = rest.chars().next().unwrap_or_default();
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(text: &str) -> String {
        in_text(
            text,
            &Names {
                from_file: false,
                args: &[],
            },
        )
    }

    #[test]
    fn keys_become_options_in_the_head_and_between_backquotes() {
        assert_eq!(
            cli("invalid steps: must be at least 1, got 0"),
            "invalid --steps: must be at least 1, got 0"
        );
        assert_eq!(
            cli("invalid target.points: 3; pass `target.resample` N"),
            "invalid --points: 3; pass --resample N"
        );
        assert_eq!(
            cli("run: invalid optim_g.lr: got 0"),
            "run: invalid --lr-g: got 0"
        );
        // Not keys, not at a head, or unknown: left as they are.
        assert_eq!(cli("`x` and `unknown_key`"), "`x` and `unknown_key`");
        assert_eq!(cli("an invalid steps: no"), "an invalid steps: no");
        assert_eq!(cli("invalid --hidden: 0"), "invalid --hidden: 0");
        assert_eq!(cli("`steps"), "`steps");
    }

    #[test]
    fn keys_from_a_config_file_stay_keys_unless_their_option_was_typed() {
        let args: Vec<String> = ["train", "--config", "c.toml", "--steps=5"]
            .map(String::from)
            .into();
        let names = Names {
            from_file: true,
            args: &args,
        };
        assert_eq!(in_text("invalid steps: 5", &names), "invalid --steps: 5");
        assert_eq!(
            in_text("invalid pack: 3; `batch_size`", &names),
            "invalid pack: 3; `batch_size`"
        );
    }

    #[test]
    fn keys_typed_in_a_grid_stay_keys() {
        let args: Vec<String> = [
            "sweep",
            "--grid",
            "optim_g.lr=1,2",
            "--random=pack=choice(1,2)",
        ]
        .map(String::from)
        .into();
        let names = Names {
            from_file: false,
            args: &args,
        };
        assert_eq!(
            in_text("invalid optim_g.lr: 0", &names),
            "invalid optim_g.lr: 0"
        );
        assert_eq!(in_text("invalid pack: 0", &names), "invalid pack: 0");
        assert_eq!(in_text("invalid steps: 0", &names), "invalid --steps: 0");
    }

    #[test]
    fn every_key_has_one_option_and_keys_are_key_shaped() {
        let all: Vec<_> = CONFIG_FLAGS.iter().chain(OTHER_FLAGS).collect();
        for (i, (key, flag)) in all.iter().enumerate() {
            assert!(key.chars().all(key_char) && !key.is_empty(), "{key}");
            assert!(flag.starts_with("--") && flag.len() > 2, "{flag}");
            assert!(!all[..i].iter().any(|(k, _)| k == key), "{key} twice");
        }
        assert_eq!(help_keys("--lr-g"), ["optim_g.lr"]);
        assert_eq!(help_keys("--betas"), ["optim_g.betas", "optim_d.betas"]);
        assert_eq!(help_keys("--target"), ["target.kind", "target.expr"]);
        assert_eq!(help_keys("--hidden"), ["g_hidden", "d_hidden"]);
        assert!(help_keys("--out").is_empty());
    }
}
