//! The job-array script of a sweep submitted to Slurm ([`crate::run::scale::slurm`]): its
//! `#SBATCH` lines, and the shell lines by which array task `i` trains, resumes or leaves its
//! trial.

use std::path::{Path, PathBuf};

use crate::run::scale::plan;
use crate::run::store::files;

/// Where the tasks find curvegan, and the sbatch options of the array.
#[derive(Debug, Clone, PartialEq)]
pub struct Submit {
    /// sbatch options, one each (`--partition=cpu`), written as `#SBATCH` lines.
    pub args: Vec<String>,
    /// The curvegan binary the tasks run, by absolute path (`--slurm-binary`).
    pub binary: PathBuf,
}

/// `text` quoted for a POSIX shell: `'…'`, a `'` inside written `'\''`.
fn quoted(text: &Path) -> String {
    format!("'{}'", text.display().to_string().replace('\'', r"'\''"))
}

/// The job-array script of `plan`, in the folder `root` (absolute), running `submit.binary`.
/// Task `i` trains seed `first_seed + i` into `root/seed-S` (in a hyperparameter sweep, seed
/// `first_seed + i % trials` of setting `i / trials` into `root/setting-NN/seed-S`, with that
/// setting's `config.toml`), resuming from its checkpoint when it has one; a finished trial
/// is left as it is.
pub fn script(root: &Path, plan: &plan::Plan, submit: &Submit) -> String {
    let (kind, first_seed, trials) = (&plan.kind, plan.first_seed, plan.trials);
    let tasks = plan.total_runs();
    let mut s = String::from("#!/bin/bash\n");
    s += &match plan.settings.len() {
        0 => format!(
            "# curvegan {}: {trials} trials, seeds {first_seed}..{}, one per array task.\n",
            kind.name(),
            first_seed + trials
        ),
        n => format!(
            "# curvegan {}: {n} settings × seeds {first_seed}..{}, {tasks} trials, one per array task.\n",
            kind.name(),
            first_seed + trials
        ),
    };
    s += "# Written and submitted by curvegan (--backend slurm); `sbatch --array=I,J slurm.sh` reruns\n";
    s += "# tasks I and J, each from its checkpoint.\n";
    let root_name = root
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    s += &format!(
        "#SBATCH --job-name=curvegan-{}\n",
        root_name.replace(char::is_whitespace, "_")
    );
    s += &format!("#SBATCH --array=0-{}\n", tasks - 1);
    let sets = |long: &str, short: &str| {
        submit
            .args
            .iter()
            .any(|a| a == long || a.starts_with(&format!("{long}=")) || a.starts_with(short))
    };
    if !sets("--cpus-per-task", "-c") {
        s += "#SBATCH --cpus-per-task=1\n";
    }
    s += "#SBATCH --requeue\n#SBATCH --open-mode=append\n";
    s += &format!(
        "#SBATCH --output={}/task-%a.log\n",
        root.join(files::SLURM_LOGS).display()
    );
    for a in &submit.args {
        s += &format!("#SBATCH {a}\n");
    }
    let bin = quoted(&submit.binary);
    let (where_, config) = match plan.settings.len() {
        0 => (
            format!(
                "seed=$(({first_seed} + SLURM_ARRAY_TASK_ID))\nrun={}/seed-$seed\n",
                quoted(root)
            ),
            quoted(&root.join(files::CONFIG)),
        ),
        n => {
            // setting-NN as grid::setting_dir names it.
            let width = n.to_string().len().max(2);
            (
                format!(
                    "seed=$(({first_seed} + SLURM_ARRAY_TASK_ID % {trials}))\n\
                     dir={}/setting-$(printf '%0{width}d' $((SLURM_ARRAY_TASK_ID / {trials} + 1)))\n\
                     run=$dir/seed-$seed\n",
                    quoted(root)
                ),
                format!("\"$dir/{}\"", files::CONFIG),
            )
        }
    };
    s += &format!(
        "set -u\n\
         {where_}\
         echo \"curvegan: task $SLURM_ARRAY_TASK_ID, seed $seed, job $SLURM_JOB_ID, restart ${{SLURM_RESTART_COUNT:-0}}, on $(hostname) at $(date -u +%FT%TZ)\"\n\
         if grep -Eqs '\"status\": \"(finished|early-stopped)\"' \"$run/{record}\"; then\n\
         \x20   echo \"curvegan: $run is finished\"\n\
         elif [ -f \"$run/{ckpt}\" ]; then\n\
         \x20   exec {bin} resume \"$run\"\n\
         else\n\
         \x20   exec {bin} train --config {config} --seed \"$seed\" --out \"$run\" --force\n\
         fi\n",
        record = files::RUN_RECORD,
        ckpt = files::CHECKPOINT,
    );
    s
}
