//! Every shell command that README.md and docs/*.md show runs as written, as far as a test can
//! tell without training for hours: each `mts ...` command line is parsed by the real binary
//! (with `--help` appended, clap checks every flag and value it meets before printing help, and
//! runs nothing), each `cargo run --example` / `cargo bench --bench` names a target that exists,
//! and each script a command runs is in the repository.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every command line of the ```sh / ```bash blocks of README.md and docs/*.md, with line
/// continuations joined and comments removed, named by its file.
fn documented_commands() -> Vec<(String, String)> {
    let root = repository();
    let mut files = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .map(|entry| entry.expect("a docs entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    let mut commands = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a readable doc");
        let name = file
            .strip_prefix(&root)
            .unwrap_or(&file)
            .display()
            .to_string();
        let mut in_shell = false;
        let mut pending = String::new();
        for line in text.lines() {
            let trimmed = line.trim();
            if trimmed.starts_with("```") {
                in_shell = !in_shell && (trimmed == "```sh" || trimmed == "```bash");
                continue;
            }
            if !in_shell {
                continue;
            }
            let code = trimmed.split(" #").next().unwrap_or("").trim();
            if let Some(continued) = code.strip_suffix('\\') {
                pending.push_str(continued);
                pending.push(' ');
                continue;
            }
            pending.push_str(code);
            let command = std::mem::take(&mut pending).trim().to_string();
            if !command.is_empty() && !command.starts_with('#') {
                commands.push((name.clone(), command));
            }
        }
    }
    commands
}

/// The words of a command after its environment assignments and a leading `/usr/bin/time`.
fn words(command: &str) -> Vec<&str> {
    command
        .split_whitespace()
        .skip_while(|word| word.contains('=') && !word.starts_with('-'))
        .skip_while(|&word| word == "/usr/bin/time")
        .collect()
}

#[test]
fn documented_mts_commands_parse() {
    let mut checked = 0;
    for (file, command) in documented_commands() {
        let words = words(&command);
        let args: Vec<&str> = match words.as_slice() {
            ["mts", args @ ..] => args.to_vec(),
            ["cargo", "run", rest @ ..] if rest.contains(&"mts-cli") => rest
                .iter()
                .skip_while(|&&w| w != "--")
                .skip(1)
                .copied()
                .collect(),
            _ => continue,
        };
        let output = Command::new(env!("CARGO_BIN_EXE_mts"))
            .args(&args)
            .arg("--help")
            .output()
            .expect("the mts binary runs");
        assert!(
            output.status.success(),
            "{file}: `{command}` does not parse: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        checked += 1;
    }
    assert!(
        checked >= 8,
        "only {checked} mts commands found in the docs"
    );
}

#[test]
fn documented_cargo_targets_and_scripts_exist() {
    let root = repository();
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("Cargo.toml");
    for (file, command) in documented_commands() {
        let words = words(&command);
        for pair in words.windows(2) {
            let (flag, folder) = match pair[0] {
                "--bench" => ("--bench", "benches"),
                "--example" => ("--example", "examples"),
                _ => continue,
            };
            let name = pair[1];
            assert!(
                manifest.contains(&format!("name = \"{name}\""))
                    || root.join(folder).join(format!("{name}.rs")).exists(),
                "{file}: `{command}` names {flag} {name}, which does not exist"
            );
        }
        let script = words
            .iter()
            .find(|w| w.ends_with(".sh") || w.ends_with(".py"));
        // `../shared/...` lies beside the clone, where the data and references are kept.
        if let Some(script) = script.filter(|s| !s.starts_with("../")) {
            assert!(
                root.join(script).exists(),
                "{file}: `{command}` runs {script}, which is not there (paths are relative to \
                 the repository root)"
            );
        }
    }
}
