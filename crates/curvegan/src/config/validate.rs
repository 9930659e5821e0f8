//! Checking a [`TrainConfig`]: every rule on one setting and every rule across settings, in
//! one place, so that a config file and the command line obey the same ones. An error names
//! the config key and the value ([`crate::error`]).

use super::*;

/// Refuses `value` of the config key `key` above [`MAX_CONFIG_INT`], naming the key and the
/// limit.
pub fn check_config_int(key: &str, value: u64) -> Result<()> {
    if value > MAX_CONFIG_INT {
        return Err(Error::config(
            key,
            format!(
                "{value} is above {MAX_CONFIG_INT} (2^63 - 1), the largest integer config.toml holds"
            ),
        ));
    }
    Ok(())
}

/// The error for `option` = `value` needing `bytes` (`None`: beyond 2⁶⁴) of memory.
pub fn memory_error(option: &str, value: &str, bytes: Option<u64>) -> Error {
    let need = match bytes {
        Some(b) => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        None => "more than 2^64 bytes".to_string(),
    };
    Error::config(
        option,
        format!(
            "{value} would need {need} of memory, above the limit of {} GiB",
            MAX_BYTES >> 30
        ),
    )
}

impl TrainConfig {
    /// Checks every setting; the error names the option and the value.
    pub fn validate(&self) -> Result<()> {
        self.check_integers()?;
        let positive = [
            ("steps", self.steps),
            ("batch_size", self.batch_size),
            ("latent_dim", self.latent_dim),
            ("eval_samples", self.eval_samples),
            ("pack", self.pack),
        ];
        for (option, v) in positive {
            if v == 0 {
                return Err(Error::config(option, "must be at least 1, got 0"));
            }
        }
        if !self.batch_size.is_multiple_of(self.pack) {
            return Err(Error::config(
                "pack",
                format!(
                    "D packs {} samples at a time; the batch size {} is not a multiple of it",
                    self.pack, self.batch_size
                ),
            ));
        }
        for (option, widths) in [("g_hidden", &self.g_hidden), ("d_hidden", &self.d_hidden)] {
            if widths.contains(&0) {
                return Err(Error::config(
                    option,
                    format!("hidden widths must be at least 1, got {widths:?}"),
                ));
            }
        }
        if self.activation == Activation::Identity || self.activation == Activation::Sigmoid {
            return Err(Error::config(
                "activation",
                format!(
                    "'{}' is not a hidden activation (use relu, leaky-relu[:SLOPE] or tanh)",
                    self.activation
                ),
            ));
        }
        if !(0.0..1.0).contains(&self.g_ema) {
            return Err(Error::config(
                "g_ema",
                format!(
                    "the decay must be in [0, 1) (0: no average; 0.999 is usual), got {}",
                    self.g_ema
                ),
            ));
        }
        self.validate_layers()?;
        self.loss_settings().validate()?;
        // A setting of one loss given to another would do nothing: refused, so that a config
        // file and the command line say so alike (the defaults, which every config.toml
        // writes, are not "given").
        for (key, value, default, owner) in [
            ("clip", self.clip, DEFAULT_CLIP, LossKind::Wgan),
            (
                "gp_weight",
                self.gp_weight,
                DEFAULT_GP_WEIGHT,
                LossKind::WganGp,
            ),
        ] {
            if value != default && self.loss != owner {
                return Err(Error::config(
                    key,
                    format!(
                        "{value} given, but only the loss {owner} uses it, not {}",
                        self.loss
                    ),
                ));
            }
        }
        if self.spectral_norm && self.loss.has_gradient_penalty() {
            return Err(crate::gan::step::spectral_with_gp(self.loss));
        }
        self.optim_g.validate("optim_g")?;
        self.optim_d.validate("optim_d")?;
        let target = self.target.build()?;
        let names = self.eval_metric_names(&target)?;
        // The metric that needs the most samples is named with its minimum.
        let needy = names.iter().max_by_key(|n| catalogue::min_samples(&[*n]));
        if let Some(name) = needy {
            let min = catalogue::min_samples(&[*name]);
            if self.eval_samples < min {
                return Err(Error::config(
                    "eval_samples",
                    format!(
                        "the metric {name} needs at least {min} samples, got {} (metrics: {})",
                        self.eval_samples,
                        names.join(", ")
                    ),
                ));
            }
        }
        self.check_memory(&target, names.len())
    }

    /// Every integer key at most [`MAX_CONFIG_INT`], found by key (the config as JSON, which
    /// holds u64, walked), so that no key is forgotten: the error names the first over it.
    fn check_integers(&self) -> Result<()> {
        fn walk(key: &str, value: &serde_json::Value, found: &mut Option<(String, u64)>) {
            match value {
                serde_json::Value::Number(n) => {
                    if let Some(v) = n.as_u64().filter(|v| *v > MAX_CONFIG_INT) {
                        found.get_or_insert((key.to_string(), v));
                    }
                }
                serde_json::Value::Array(items) => {
                    items.iter().for_each(|item| walk(key, item, found));
                }
                serde_json::Value::Object(map) => {
                    for (k, v) in map {
                        let key = match key {
                            "" => k.clone(),
                            _ => format!("{key}.{k}"),
                        };
                        walk(&key, v, found);
                    }
                }
                _ => {}
            }
        }
        let value =
            serde_json::to_value(self).map_err(|e| Error::Serialize(format!("the config: {e}")))?;
        let mut found = None;
        walk("", &value, &mut found);
        match found {
            Some((key, v)) => check_config_int(&key, v),
            None => Ok(()),
        }
    }

    /// The option and value that set the width of a sample, for messages: `--points` for a
    /// curve, the data file and its row length for `--data`.
    fn sample_width(&self, target: &Target) -> (&'static str, String) {
        match &self.target {
            TargetConfig::Data { path, .. } => (
                "target.path",
                format!("{} (rows of {} values)", path.display(), target.dim()),
            ),
            _ => ("target.points", target.dim().to_string()),
        }
    }

    /// `d_maxout` in 1..=[`MAX_MAXOUT`], not with `wgan-gp` or R1 (their input-gradient
    /// penalties support plain layers, with a piecewise-linear activation); `g_batchnorm` needs
    /// batches of at least 2 rows.
    fn validate_layers(&self) -> Result<()> {
        if !(1..=MAX_MAXOUT).contains(&self.d_maxout) {
            return Err(Error::config(
                "d_maxout",
                format!(
                    "takes 1 (no maxout) to {MAX_MAXOUT} pieces per unit, got {}",
                    self.d_maxout
                ),
            ));
        }
        if self.d_maxout > 1 && self.r1 > 0.0 {
            return Err(Error::config(
                "d_maxout",
                format!(
                    "{} pieces given, but R1 (`r1` {}) supports plain hidden layers only",
                    self.d_maxout, self.r1
                ),
            ));
        }
        if self.d_maxout > 1 && self.loss.has_gradient_penalty() {
            return Err(Error::config(
                "d_maxout",
                format!(
                    "{} pieces given, but the {} loss's gradient penalty supports plain hidden layers only",
                    self.d_maxout, self.loss
                ),
            ));
        }
        // Checked here, before the run folder exists, not at the first step.
        let penalty = self.loss.has_gradient_penalty() || self.r1 > 0.0;
        if penalty && !self.activation.is_piecewise_linear() {
            return Err(Error::config(
                "activation",
                format!(
                    "the gradient penalty is exact only for piecewise-linear activations (relu, leaky-relu, identity); the critic's hidden activation is '{}'",
                    self.activation
                ),
            ));
        }
        if self.g_basis > 0 {
            let points = self.target.build()?.points();
            let most = points.max(crate::nn::basis::MIN_COEFFICIENTS);
            if !(crate::nn::basis::MIN_COEFFICIENTS..=points).contains(&self.g_basis) {
                return Err(Error::config(
                    "g_basis",
                    format!(
                        "takes {} to {most} cubic B-spline coefficients per channel (the samples have {points} points), got {}",
                        crate::nn::basis::MIN_COEFFICIENTS, self.g_basis
                    ),
                ));
            }
        }
        if self.g_batchnorm && self.batch_size < 2 {
            return Err(Error::config(
                "g_batchnorm",
                format!(
                    "batch normalisation needs batches of at least 2 rows, `batch_size` is {}",
                    self.batch_size
                ),
            ));
        }
        Ok(())
    }

    /// Refuses a run that would hold more than [`MAX_BYTES`] in memory, naming the option that
    /// asks for the most: weights with their gradients and optimizer state (`--g-hidden`,
    /// `--d-hidden`, `--latent-dim`, `--points` or `--data`'s row length), one step's
    /// activations (`--batch-size`) and noise (`--n-critic`), one evaluation's samples
    /// (`--eval-samples`) and the metrics rows kept (`--steps`). A count at or below its
    /// default is not blamed for the width of the rows it counts: the widest layer is.
    fn check_memory(&self, target: &Target, n_metrics: usize) -> Result<()> {
        let (g, d) = self.specs(target)?;
        let (width_option, width_value) = self.sample_width(target);
        // The widest layer of both nets, named as the option that sets it.
        let widest = [
            (&g, "g_hidden", "latent_dim"),
            (&d, "d_hidden", "target.points"),
        ]
        .into_iter()
        .flat_map(|(net, hidden, input)| {
            let last = net.widths.len() - 1;
            (0..net.widths.len()).map(move |i| {
                let option = match i {
                    0 => input,
                    i if i == last => "target.points",
                    _ => hidden,
                };
                (net.widths[i], option, net)
            })
        })
        .max_by_key(|(w, _, _)| *w);
        let name_of = |option: &'static str, net: &MlpSpec| -> (&'static str, String) {
            match option {
                "latent_dim" => (option, self.latent_dim.to_string()),
                "target.points" => (width_option, width_value.clone()),
                _ => (
                    option,
                    format!("{:?}", &net.widths[1..net.widths.len() - 1]),
                ),
            }
        };
        let mut terms: Vec<(&str, String, Option<u64>)> = Vec::new();
        // Weight, gradient and two optimizer moments per parameter, 4 bytes each; with
        // spectral normalisation D also keeps its raw weights and their gradient.
        let d_bytes = if self.spectral_norm { 24 } else { 16 };
        for (net, hidden, input, bytes) in [
            (&g, "g_hidden", "latent_dim", 16),
            (&d, "d_hidden", "target.points", d_bytes),
        ] {
            let params = net.widths.windows(2).try_fold(0u64, |sum, w| {
                (w[0] as u64)
                    .checked_add(1)?
                    .checked_mul(w[1] as u64)?
                    .checked_add(sum)
            });
            let widest = (0..net.widths.len())
                .max_by_key(|&i| net.widths[i])
                .unwrap_or(0);
            let option = match widest {
                0 => input,
                i if i + 1 == net.widths.len() => "target.points",
                _ => hidden,
            };
            let (option, value) = name_of(option, net);
            // Maxout's Linear layers are K times wider (a slight overestimate of the last).
            let params = params.and_then(|p| p.checked_mul(net.maxout as u64));
            terms.push((option, value, params.and_then(|p| p.checked_mul(bytes))));
        }
        // A count no larger than its default is not what asks for too much: the row it
        // counts is, named by its widest layer.
        let count_or_width =
            |option: &'static str, count: usize, default: usize| match (count <= default, widest) {
                (true, Some((_, width, net))) => name_of(width, net),
                _ => (option, count.to_string()),
            };
        let defaults = TrainConfig::default();
        let row = |spec: &MlpSpec| {
            spec.widths
                .iter()
                .try_fold(0u64, |sum, &w| sum.checked_add(w as u64))
        };
        // Activations and their gradients of G, and of D on the real and the fake batch.
        let step_row = row(&g)
            .zip(row(&d))
            .and_then(|(g, d)| d.checked_mul(2)?.checked_add(g));
        let batch = step_row.and_then(|r| r.checked_mul(self.batch_size as u64)?.checked_mul(8));
        let (option, value) = count_or_width("batch_size", self.batch_size, defaults.batch_size);
        terms.push((option, value, batch));
        // Each D update's noise of a step, and wgan-gp's ε, drawn at once: n_critic × [B, k + 1].
        let n_critic = self.loss_settings().n_critic;
        let noise = (n_critic as u64)
            .checked_mul(self.batch_size as u64)
            .and_then(|n| n.checked_mul(self.latent_dim as u64 + 1)?.checked_mul(4));
        terms.push(("n_critic", n_critic.to_string(), noise));
        // G's forward pass on the evaluation's noise, the fakes and as many reals.
        let eval_row = row(&g).and_then(|r| r.checked_add((target.dim() as u64).checked_mul(2)?));
        let eval = eval_row.and_then(|r| r.checked_mul(self.eval_samples as u64)?.checked_mul(8));
        let (option, value) =
            count_or_width("eval_samples", self.eval_samples, defaults.eval_samples);
        terms.push((option, value, eval));
        // One metrics row per step, in memory and as text in the checkpoint.
        let rows = (self.steps as u64).checked_mul(ROW_BYTES + 32 * n_metrics as u64);
        terms.push(("steps", self.steps.to_string(), rows));
        let total = terms
            .iter()
            .try_fold(0u64, |sum, (_, _, bytes)| sum.checked_add((*bytes)?));
        if total.is_some_and(|t| t <= MAX_BYTES) {
            return Ok(());
        }
        // The first term over the limit on its own (the nets' sizes before what multiplies
        // them), else the largest.
        let over = |b: &Option<u64>| !b.is_some_and(|b| b <= MAX_BYTES);
        let culprit = match terms.iter().position(|(_, _, b)| over(b)) {
            Some(i) => i,
            None => (0..terms.len())
                .max_by_key(|&i| terms[i].2.unwrap_or(u64::MAX))
                .unwrap_or(0),
        };
        let (option, value, bytes) = terms.swap_remove(culprit);
        Err(memory_error(option, &value, bytes))
    }

    /// The metrics each evaluation computes for `target`: `eval_metrics` resolved
    /// ([`catalogue::resolve`]), with `keep_best` added if missing. Checks that `keep_best` fits
    /// the target and has a better direction, and that `early_stop` has something to watch.
    pub fn eval_metric_names(&self, target: &Target) -> Result<Vec<&'static str>> {
        let mut names =
            catalogue::resolve(target, self.conditional, &self.eval_metrics, "eval_metrics")?;
        if let Some(best) = &self.keep_best {
            let one = [best.clone()];
            let name = match catalogue::resolve(target, self.conditional, &one, "keep_best")?[..] {
                [name] if best != "all" => name,
                _ => {
                    return Err(Error::config(
                        "keep_best",
                        format!("takes one metric, got '{}'", crate::text::echo(best)),
                    ))
                }
            };
            if catalogue::metric_info(name)
                .and_then(|m| m.better)
                .is_none()
            {
                return Err(Error::config(
                    "keep_best",
                    format!("'{}' has no better direction (it is compared with a truth); choose a distance, an error or a fraction", crate::text::echo(name)),
                ));
            }
            if self.eval_every == 0 {
                return Err(Error::config(
                    "keep_best",
                    "needs evaluations during training; `eval_every` is 0",
                ));
            }
            if !names.contains(&name) {
                names.push(name);
            }
        }
        if self.early_stop > 0 {
            if self.keep_best.is_none() {
                return Err(Error::config(
                    "early_stop",
                    format!("{} needs `keep_best` METRIC to watch", self.early_stop),
                ));
            }
            if self.eval_every == 0 {
                return Err(Error::config(
                    "early_stop",
                    "needs evaluations during training; `eval_every` is 0",
                ));
            }
        }
        Ok(names)
    }
}
