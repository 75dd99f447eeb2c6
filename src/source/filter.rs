//! What reading the inputs leaves out: `--exclude` patterns, and the
//! `.gitignore` files of the directories walked (as ripgrep and git do).
//! Every path left out is counted, so the run summary can say so.

use std::path::{Path, PathBuf};

use ignore::gitignore::{Gitignore, GitignoreBuilder};

/// `--exclude` patterns and whether `.gitignore` files are honoured.
#[derive(Debug, Clone, Default)]
pub struct PathFilter {
    /// The patterns, rooted at the working directory; `None` when there are none.
    exclude: Option<Gitignore>,
    gitignore: bool,
}

impl PathFilter {
    /// Reads nothing but what it is given: no exclusion, no `.gitignore`.
    pub fn none() -> PathFilter {
        PathFilter::default()
    }

    /// `exclude` patterns use `.gitignore` syntax: `values.yaml` matches at
    /// any depth, `charts/` a directory, `/k8s/*.json` from the working directory.
    pub fn new(exclude: &[String], gitignore: bool) -> Result<PathFilter, String> {
        let exclude = if exclude.is_empty() {
            None
        } else {
            let root = std::env::current_dir().unwrap_or_default();
            let mut builder = GitignoreBuilder::new(&root);
            for pattern in exclude {
                builder
                    .add_line(None, pattern)
                    .map_err(|error| format!("--exclude {pattern:?}: {error}"))?;
            }
            Some(
                builder
                    .build()
                    .map_err(|error| format!("--exclude: {error}"))?,
            )
        };
        Ok(PathFilter { exclude, gitignore })
    }

    /// True when an `--exclude` pattern matches `path` (or a directory above
    /// it, for a path under the working directory).
    pub fn excludes(&self, path: &Path, is_dir: bool) -> bool {
        let Some(exclude) = &self.exclude else {
            return false;
        };
        let absolute = if path.is_absolute() {
            path.to_path_buf()
        } else {
            exclude.path().join(path)
        };
        let absolute = lexically_normal(&absolute);
        if absolute.starts_with(exclude.path()) {
            exclude
                .matched_path_or_any_parents(&absolute, is_dir)
                .is_ignore()
        } else {
            // Outside the working directory only patterns without a `/` can
            // match, by name.
            exclude.matched(&absolute, is_dir).is_ignore()
        }
    }

    /// The `.gitignore` files that apply to a walk of `root` (a directory):
    /// those of its ancestors up to the repository's top, when it is in one.
    pub fn ignores_for(&self, root: &Path, canonical_root: &Path) -> Ignores {
        let mut ignores = Ignores {
            enabled: self.gitignore,
            shown_root: root.to_path_buf(),
            canonical_root: canonical_root.to_path_buf(),
            ancestors: Vec::new(),
            walked: Vec::new(),
        };
        if !self.gitignore {
            return ignores;
        }
        // The walked root may be the repository's top itself; outside a
        // repository only the walked directories' files count, as with git.
        if canonical_root.join(".git").exists() {
            return ignores;
        }
        let above: Vec<&Path> = canonical_root.ancestors().skip(1).collect();
        if let Some(top) = above.iter().position(|dir| dir.join(".git").exists()) {
            for dir in above[..=top].iter().rev() {
                if let Some(matcher) = matcher_in(dir) {
                    ignores.ancestors.push(matcher);
                }
            }
        }
        ignores
    }
}

/// The `.gitignore` matchers in force at one point of a directory walk.
#[derive(Debug)]
pub struct Ignores {
    enabled: bool,
    shown_root: PathBuf,
    canonical_root: PathBuf,
    /// Of the directories above the walked one, outermost first, matched
    /// with canonical paths.
    ancestors: Vec<Gitignore>,
    /// Of the walked directories entered so far, outermost first; `None`
    /// for a directory without a `.gitignore`.
    walked: Vec<Option<Gitignore>>,
}

impl Ignores {
    /// Entering `dir`: its `.gitignore`, if any, applies below it.
    pub fn enter(&mut self, dir: &Path) {
        let matcher = if self.enabled { matcher_in(dir) } else { None };
        self.walked.push(matcher);
    }

    pub fn leave(&mut self) {
        self.walked.pop();
    }

    /// True when the innermost `.gitignore` that has a say ignores `path`.
    pub fn ignores(&self, path: &Path, is_dir: bool) -> bool {
        if !self.enabled {
            return false;
        }
        for matcher in self.walked.iter().rev().flatten() {
            let verdict = matcher.matched(path, is_dir);
            if !verdict.is_none() {
                return verdict.is_ignore();
            }
        }
        let Ok(relative) = path.strip_prefix(&self.shown_root) else {
            return false;
        };
        let canonical = self.canonical_root.join(relative);
        for matcher in self.ancestors.iter().rev() {
            let verdict = matcher.matched(&canonical, is_dir);
            if !verdict.is_none() {
                return verdict.is_ignore();
            }
        }
        false
    }
}

/// The matcher of `dir/.gitignore`, when there is one that reads.
fn matcher_in(dir: &Path) -> Option<Gitignore> {
    let file = dir.join(".gitignore");
    if !file.is_file() {
        return None;
    }
    let mut builder = GitignoreBuilder::new(dir);
    // A line that does not parse is ignored, as git does.
    let _ = builder.add(&file);
    builder.build().ok().filter(|matcher| !matcher.is_empty())
}

/// `a/./b/../c` → `a/c`, without touching the file system.
fn lexically_normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}
