//! Sources: read bytes from files, directories and stdin, then split them into
//! documents with positions. Nothing here interprets a document beyond finding
//! its `apiVersion` and `kind` (needed to unwrap `List`s).

pub mod filter;
pub mod kube;
pub mod node;
mod recovery;
pub mod yaml;

use std::collections::HashSet;
use std::fmt;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use std::sync::{Arc, OnceLock};

pub use filter::PathFilter;
pub use node::{Entry, FieldPath, Located, Node, Pos, Segment, Value};

/// Larger inputs are refused rather than read whole; a real mesh config file is
/// a few megabytes, and 64 MiB keeps peak memory bounded.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;
/// File extensions read when walking a directory.
pub const EXTENSIONS: [&str; 3] = ["yaml", "yml", "json"];

/// One input file's text, shared by every document and finding that points into it.
#[derive(Debug)]
pub struct SourceFile {
    /// The name shown to users: the path as given, or `<stdin>`.
    pub name: Arc<str>,
    pub text: String,
    /// Position trees of the file's documents, parsed again only when a
    /// finding needs a location: most files never need them, and a tree costs
    /// several times the text in memory.
    trees: OnceLock<Vec<(usize, Node)>>,
    /// Where each line starts, built by the first snippet: a file with
    /// thousands of findings must not scan its text once per finding.
    line_starts: OnceLock<Vec<usize>>,
}

impl SourceFile {
    pub fn new(name: &str, text: String) -> Arc<SourceFile> {
        Arc::new(SourceFile::plain(name, text))
    }

    pub fn plain(name: &str, text: String) -> SourceFile {
        SourceFile {
            name: name.into(),
            text,
            trees: OnceLock::new(),
            line_starts: OnceLock::new(),
        }
    }

    /// The text of a 1-based line, for snippets.
    pub fn line(&self, line: u32) -> Option<&str> {
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .filter(|&start| start < self.text.len())
                .collect()
        });
        let start = *starts.get((line as usize).checked_sub(1)?)?;
        let rest = &self.text[start..];
        let text = rest.split('\n').next().unwrap_or(rest);
        Some(text.strip_suffix('\r').unwrap_or(text))
    }

    /// The root node of document `index` (or of item `item` of a `List`).
    pub fn tree(&self, index: usize, item: Option<usize>) -> Option<&Node> {
        let trees = self.trees.get_or_init(|| {
            yaml::parse_stream(&self.text)
                .documents
                .into_iter()
                .filter_map(|d| Some((d.index, d.root?)))
                .collect()
        });
        // Documents come in index order.
        let root = &trees[trees.binary_search_by_key(&index, |(i, _)| *i).ok()?].1;
        match item {
            None => Some(root),
            Some(item) => match &root.get("items")?.value {
                Value::Seq(items) => items.get(item),
                _ => None,
            },
        }
    }
}

/// Why an input, or one document of it, could not be used.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    pub file: Arc<str>,
    pub pos: Option<Pos>,
    pub message: String,
    pub severity: InputSeverity,
}

/// Whether an input problem fails the run (exit 65) or is only reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputSeverity {
    Error,
    /// Read, but not as every tool would read it (non-standard YAML).
    Warning,
    Note,
    /// A file of ours that is not config (a `mesh test` file beside the
    /// config it tests): told once, and not a path skipped.
    NotConfig,
}

impl InputSeverity {
    /// The word printed before the message: `mesh: warning: ...`.
    pub fn word(self) -> &'static str {
        match self {
            InputSeverity::Error => "error",
            InputSeverity::Warning => "warning",
            InputSeverity::Note | InputSeverity::NotConfig => "note",
        }
    }
}

impl InputError {
    /// An input that could not be read or parsed (exit code 65), not a note.
    pub fn is_error(&self) -> bool {
        self.severity == InputSeverity::Error
    }

    fn error(file: &str, pos: Option<Pos>, message: impl Into<String>) -> InputError {
        InputError {
            file: file.into(),
            pos,
            message: message.into(),
            severity: InputSeverity::Error,
        }
    }

    fn note(file: &str, message: impl Into<String>) -> InputError {
        InputError {
            file: file.into(),
            pos: None,
            message: message.into(),
            severity: InputSeverity::Note,
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pos {
            Some(pos) => write!(f, "{}:{}: {}", self.file, pos, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Everything read from the paths on the command line.
#[derive(Debug, Default)]
pub struct Inputs {
    pub files: Vec<Arc<SourceFile>>,
    pub errors: Vec<InputError>,
    /// Paths left out by `--exclude` or a `.gitignore`.
    pub left_out: usize,
}

/// Reads every path: `-` is stdin, a directory is walked recursively for
/// `.yaml`, `.yml` and `.json` files (sorted, so output is stable), and a file
/// named explicitly is read whatever its extension.
pub fn read_paths(paths: &[PathBuf]) -> Inputs {
    read_paths_filtered(paths, &PathFilter::none())
}

/// [`read_paths`], leaving out what `filter` excludes.
pub fn read_paths_filtered(paths: &[PathBuf], filter: &PathFilter) -> Inputs {
    let mut inputs = Inputs::default();
    walk_paths(paths, filter, &mut inputs);
    inputs
}

/// What a walk of the input paths meets, in input order.
trait Visitor {
    fn file(&mut self, path: &Path);
    fn stdin(&mut self);
    fn error(&mut self, error: InputError);
    /// A path `--exclude` or a `.gitignore` leaves out.
    fn left_out(&mut self, _path: &Path) {}
}

impl Visitor for Inputs {
    fn file(&mut self, path: &Path) {
        read_file(path, self);
    }

    fn stdin(&mut self) {
        read_stdin(self);
    }

    fn error(&mut self, error: InputError) {
        self.errors.push(error);
    }

    fn left_out(&mut self, _path: &Path) {
        self.left_out += 1;
    }
}

/// When a file read from the paths last changed, as `--watch` compares them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStamp {
    /// The name shown to users, as in [`SourceFile::name`].
    pub name: String,
    /// Modification time and size; `None` when it cannot be read (a path
    /// that does not exist yet is watched too).
    pub state: Option<(std::time::SystemTime, u64)>,
}

/// The stamps of every file [`read_paths`] would read (stdin excepted),
/// without reading them.
pub fn file_stamps(paths: &[PathBuf]) -> Vec<FileStamp> {
    let mut stamps = Stamps::default();
    // Files `--exclude` leaves out are watched too: a change there only
    // costs a reload that reads what it read before.
    walk_paths(paths, &PathFilter::none(), &mut stamps);
    stamps.0
}

#[derive(Default)]
struct Stamps(Vec<FileStamp>);

impl Visitor for Stamps {
    fn file(&mut self, path: &Path) {
        let state = fs::metadata(path)
            .ok()
            .and_then(|meta| Some((meta.modified().ok()?, meta.len())));
        self.0.push(FileStamp {
            name: path.display().to_string(),
            state,
        });
    }

    fn stdin(&mut self) {}

    fn error(&mut self, error: InputError) {
        self.0.push(FileStamp {
            name: error.file.to_string(),
            state: None,
        });
    }
}

fn walk_paths(paths: &[PathBuf], filter: &PathFilter, visitor: &mut impl Visitor) {
    for path in paths {
        if path.as_os_str() == "-" {
            visitor.stdin();
            continue;
        }
        let shown = path.display().to_string();
        let meta = fs::metadata(path);
        let is_dir = meta.as_ref().is_ok_and(fs::Metadata::is_dir);
        if filter.excludes(path, is_dir) {
            visitor.left_out(path);
            continue;
        }
        match meta {
            Ok(meta) if meta.is_dir() => {
                let mut walk = Walk {
                    filter,
                    ancestors: HashSet::new(),
                    ignores: None,
                };
                walk_dir(path, &mut walk, visitor);
            }
            Ok(_) => visitor.file(path),
            Err(error) if is_symlink_loop(&error) => {
                visitor.error(InputError::note(&shown, "skipped: symbolic link loop"))
            }
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                visitor.error(InputError::error(&shown, None, "no such file or directory"))
            }
            Err(error) => visitor.error(InputError::error(
                &shown,
                None,
                format!("cannot read: {}", io_reason(&error)),
            )),
        }
    }
}

fn is_symlink_loop(error: &io::Error) -> bool {
    // ELOOP; `io::ErrorKind::FilesystemLoop` is not stable yet.
    error.raw_os_error() == Some(40)
}

/// The OS message without Rust's " (os error N)" suffix.
fn io_reason(error: &io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(end) => text[..end].to_string(),
        None => text,
    }
}

/// The state of one directory walk.
struct Walk<'a> {
    filter: &'a PathFilter,
    /// Canonical paths of the directories above, to catch links back up.
    ancestors: HashSet<PathBuf>,
    /// The `.gitignore` files in force, set when the walk's root is entered.
    ignores: Option<filter::Ignores>,
}

fn walk_dir(dir: &Path, walk: &mut Walk<'_>, visitor: &mut impl Visitor) {
    let shown = dir.display().to_string();
    // Canonical paths of the directories above us catch links that point back up.
    let canonical = match fs::canonicalize(dir) {
        Ok(canonical) => canonical,
        Err(error) => {
            visitor.error(InputError::error(
                &shown,
                None,
                format!("cannot read: {}", io_reason(&error)),
            ));
            return;
        }
    };
    if !walk.ancestors.insert(canonical.clone()) {
        visitor.error(InputError::note(
            &shown,
            format!(
                "skipped: symbolic link loop (back to {})",
                canonical.display()
            ),
        ));
        return;
    }
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            visitor.error(InputError::error(
                &shown,
                None,
                format!("cannot read: {}", io_reason(&error)),
            ));
            walk.ancestors.remove(&canonical);
            return;
        }
    };
    walk.ignores
        .get_or_insert_with(|| walk.filter.ignores_for(dir, &canonical))
        .enter(dir);
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        let meta = fs::metadata(&path);
        let is_dir = meta.as_ref().is_ok_and(fs::Metadata::is_dir);
        let left_out = walk.filter.excludes(&path, is_dir)
            || walk
                .ignores
                .as_ref()
                .is_some_and(|ignores| ignores.ignores(&path, is_dir));
        if left_out && !hidden {
            // Only what would have been read counts as left out.
            if is_dir || has_input_extension(&path) {
                visitor.left_out(&path);
            }
            continue;
        }
        match meta {
            Ok(meta) if meta.is_dir() => {
                if !hidden {
                    walk_dir(&path, walk, visitor);
                }
            }
            Ok(meta) => {
                let wanted = has_input_extension(&path);
                if wanted && !meta.is_file() {
                    // Reading a FIFO or a device would block or never end.
                    visitor.error(InputError::note(
                        &path.display().to_string(),
                        "skipped: not a regular file (a FIFO, socket or device)",
                    ));
                } else if wanted {
                    visitor.file(&path);
                }
            }
            Err(error) if is_symlink_loop(&error) => visitor.error(InputError::note(
                &path.display().to_string(),
                "skipped: symbolic link loop",
            )),
            Err(error) => visitor.error(InputError::error(
                &path.display().to_string(),
                None,
                format!("cannot read: {}", io_reason(&error)),
            )),
        }
    }
    if let Some(ignores) = &mut walk.ignores {
        ignores.leave();
    }
    walk.ancestors.remove(&canonical);
}

/// `.yaml`, `.yml` or `.json`: the files a directory walk reads.
fn has_input_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.contains(&e))
}

fn read_file(path: &Path, inputs: &mut Inputs) {
    let shown = path.display().to_string();
    let mut size = 0;
    if let Ok(meta) = fs::metadata(path) {
        if meta.len() > MAX_FILE_BYTES {
            inputs.errors.push(too_large(&shown));
            return;
        }
        size = meta.len();
    }
    let result = fs::File::open(path).and_then(|file| read_bounded(file, &shown, size));
    match result {
        Ok(Ok(bytes)) => push_text(&shown, bytes, inputs),
        Ok(Err(too_big)) => inputs.errors.push(too_big),
        Err(error) => inputs.errors.push(InputError::error(
            &shown,
            None,
            format!("cannot read: {}", io_reason(&error)),
        )),
    }
}

fn read_stdin(inputs: &mut Inputs) {
    let name = "<stdin>";
    match read_bounded(io::stdin().lock(), name, 0) {
        Ok(Ok(bytes)) => push_text(name, bytes, inputs),
        Ok(Err(too_big)) => inputs.errors.push(too_big),
        Err(error) => inputs.errors.push(InputError::error(
            name,
            None,
            format!("cannot read: {}", io_reason(&error)),
        )),
    }
}

/// Reads at most [`MAX_FILE_BYTES`]; the size is checked while reading, so a
/// growing file or an endless pipe cannot exhaust memory either.
/// Reads at most the size limit; `expected` (the size the file had when
/// checked, 0 when unknown) sizes the buffer once instead of doubling it.
fn read_bounded(
    reader: impl Read,
    name: &str,
    expected: u64,
) -> io::Result<Result<Vec<u8>, InputError>> {
    // One byte more than expected, so that reading to the end needs no growth.
    let mut bytes = Vec::with_capacity(usize::try_from(expected).map_or(0, |n| n + 1));
    reader.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Ok(Err(too_large(name)));
    }
    Ok(Ok(bytes))
}

fn too_large(name: &str) -> InputError {
    InputError::error(
        name,
        None,
        format!(
            "file is larger than the {} MiB limit; split it into smaller files",
            MAX_FILE_BYTES / (1024 * 1024)
        ),
    )
}

fn push_text(name: &str, bytes: Vec<u8>, inputs: &mut Inputs) {
    match from_bytes(name, bytes) {
        Ok(file) => inputs.files.push(file),
        Err(error) => inputs.errors.push(error),
    }
}

/// Decodes text (UTF-8, or UTF-16 with a byte order mark, as kubectl reads
/// it) and makes it a source file; binary input is refused.
pub fn from_bytes(name: &str, bytes: Vec<u8>) -> Result<Arc<SourceFile>, InputError> {
    match decode(bytes) {
        Ok(text) => Ok(SourceFile::new(name, text)),
        Err((pos, message)) => Err(InputError::error(name, pos, message)),
    }
}

/// The text of the bytes, without a byte order mark; or why it is not text,
/// at the first bad character when there is one.
fn decode(bytes: Vec<u8>) -> Result<String, (Option<Pos>, String)> {
    match bytes.as_slice() {
        [0, 0, 0xfe, 0xff, ..] | [0xff, 0xfe, 0, 0, ..] => {
            return Err((
                None,
                "UTF-32 text is not supported; convert the file to UTF-8".to_string(),
            ))
        }
        [0xff, 0xfe, rest @ ..] => return decode_utf16(rest, u16::from_le_bytes),
        [0xfe, 0xff, rest @ ..] => return decode_utf16(rest, u16::from_be_bytes),
        _ => {}
    }
    if let Some(offset) = bytes.iter().position(|&b| b == 0) {
        // ASCII in UTF-16 alternates NUL and non-NUL bytes.
        let looks_utf16 = match bytes.as_slice() {
            [a, b, c, d, ..] => (*a == 0 && *c == 0) != (*b == 0 && *d == 0),
            _ => false,
        };
        let hint = if looks_utf16 {
            "; UTF-16 text needs a byte order mark"
        } else {
            ""
        };
        return Err((
            Some(position_of_offset(&bytes, offset)),
            format!("binary file (contains a NUL byte{hint}); expected YAML or JSON text"),
        ));
    }
    let mut text = String::from_utf8(bytes).map_err(|error| {
        let bytes = error.as_bytes();
        let offset = error.utf8_error().valid_up_to();
        (
            Some(position_of_offset(bytes, offset)),
            format!(
                "invalid UTF-8 (byte 0x{:02x}); YAML and JSON input must be UTF-8 \
                 (or UTF-16 with a byte order mark)",
                bytes[offset]
            ),
        )
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

/// UTF-16 (the byte order mark already read) to text; positions of bad
/// input count characters, as everywhere.
fn decode_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, (Option<Pos>, String)> {
    let units = bytes.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    let mut text = String::with_capacity(bytes.len());
    for decoded in char::decode_utf16(units) {
        match decoded {
            Ok('\0') => {
                return Err((
                    Some(end_position(&text)),
                    "binary file (contains a NUL character); expected YAML or JSON text"
                        .to_string(),
                ))
            }
            Ok(c) => text.push(c),
            Err(error) => {
                return Err((
                    Some(end_position(&text)),
                    format!(
                        "invalid UTF-16 (unpaired surrogate 0x{:04x})",
                        error.unpaired_surrogate()
                    ),
                ))
            }
        }
    }
    if !bytes.len().is_multiple_of(2) {
        return Err((
            Some(end_position(&text)),
            "invalid UTF-16 (an odd number of bytes)".to_string(),
        ));
    }
    Ok(text)
}

/// The position just after the end of `text`.
fn end_position(text: &str) -> Pos {
    let line_start = text.rfind('\n').map_or(0, |i| i + 1);
    Pos::new(
        text.matches('\n').count() + 1,
        text[line_start..].chars().count() + 1,
    )
}

fn position_of_offset(bytes: &[u8], offset: usize) -> Pos {
    let before = &bytes[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    Pos::new(line, column)
}

/// One Kubernetes object as read: a YAML/JSON document, or one item of a `List`.
/// Cloned only to name where a generated object came from (typed objects
/// keep no JSON here, so that clone is small).
#[derive(Debug, Clone)]
pub struct Document {
    pub file: Arc<SourceFile>,
    /// 0-based document index in the file.
    pub index: usize,
    /// For an item of a `List`, its index in `items`.
    pub item: Option<usize>,
    pub api_version: String,
    pub kind: String,
    /// Where the object starts.
    pub pos: Pos,
    /// The object as read. The model moves it into a typed spec when it can,
    /// leaving `Null`; kinds it does not type keep it here, whole.
    pub raw: Json,
}

impl Document {
    /// The position of a field, or of the closest enclosing field that exists.
    pub fn locate(&self, path: &FieldPath) -> Located {
        self.file
            .tree(self.index, self.item)
            .map(|root| root.locate_nearest(path))
            .unwrap_or(Located {
                value: self.pos,
                key: None,
            })
    }
}

/// Splits a file into objects, unwrapping `List` and `*List` kinds. Empty
/// documents are skipped; a document that cannot be read is an error and the
/// other documents still load.
pub fn documents(file: &Arc<SourceFile>) -> (Vec<Document>, Vec<InputError>) {
    if is_json(file) {
        if let Some(pos) = json_trailing_comma(&file.text) {
            let message = "trailing comma before `}` or `]`: not valid JSON, \
                           which kubectl refuses; remove the comma";
            return (
                Vec::new(),
                vec![InputError::error(&file.name, Some(pos), message)],
            );
        }
    }
    let stream = yaml::parse_values(&file.text);
    let mut errors: Vec<InputError> = stream
        .errors
        .into_iter()
        .map(|e| InputError::error(&file.name, Some(e.pos), e.message))
        .collect();
    errors.extend(stream.warnings.into_iter().map(|w| InputError {
        file: file.name.clone(),
        pos: Some(w.pos),
        message: w.message,
        severity: InputSeverity::Warning,
    }));
    let mut documents = Vec::new();
    for parsed in stream.documents {
        // A document of only comments, or a bare `---`, is empty: skip it.
        let Some(root) = parsed.root.filter(|root| !root.is_null()) else {
            continue;
        };
        let at = |path: &str| locate_in(file, parsed.index, None, path, parsed.pos);
        match object_header(&root, at) {
            Ok((api_version, kind)) => {
                let is_list = kind == "List" || kind.ends_with("List");
                if is_list && matches!(root.get("items"), Some(Json::Array(_)) | Some(Json::Null)) {
                    unwrap_list(file, parsed.index, root, &mut documents, &mut errors);
                } else {
                    documents.push(Document {
                        file: file.clone(),
                        index: parsed.index,
                        item: None,
                        api_version,
                        kind,
                        pos: parsed.pos,
                        raw: root,
                    });
                }
            }
            Err(_) if is_route_test_file(&root) => errors.push(InputError {
                file: file.name.clone(),
                pos: None,
                message: "a routing test file of `mesh test`, not config: skipped (run it with `mesh test`)".into(),
                severity: InputSeverity::NotConfig,
            }),
            Err((pos, message)) => errors.push(InputError::error(&file.name, Some(pos), message)),
        }
    }
    errors.sort_by_key(|e| e.pos);
    (documents, errors)
}

/// A `mesh test` file (`tests:` and no `kind`), which may sit beside the
/// config it tests.
fn is_route_test_file(root: &Json) -> bool {
    root.get("kind").is_none()
        && root.get("apiVersion").is_none()
        && root.get("tests").is_some_and(Json::is_array)
}

/// JSON by name, or by content as kubectl sniffs it (its first character).
fn is_json(file: &SourceFile) -> bool {
    let name = file.name.to_ascii_lowercase();
    name.ends_with(".json") || file.text.trim_start().starts_with(['{', '['])
}

/// The first comma followed (after white space) by `}` or `]` outside a
/// string: YAML flow collections allow it, JSON does not.
fn json_trailing_comma(text: &str) -> Option<Pos> {
    let bytes = text.as_bytes();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if in_string => i += 1,
            b'"' => in_string = !in_string,
            b',' if !in_string => {
                let next = bytes[i + 1..]
                    .iter()
                    .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
                if matches!(next, Some(b'}' | b']')) {
                    return Some(position_of_offset(bytes, i));
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The position of a field, from the file's position trees.
fn locate_in(
    file: &SourceFile,
    index: usize,
    item: Option<usize>,
    path: &str,
    fallback: Pos,
) -> Pos {
    let located = FieldPath::parse(path)
        .ok()
        .zip(file.tree(index, item))
        .and_then(|(path, root)| root.locate(&path));
    located.map_or(fallback, |l| l.value)
}

fn unwrap_list(
    file: &Arc<SourceFile>,
    index: usize,
    root: Json,
    documents: &mut Vec<Document>,
    errors: &mut Vec<InputError>,
) {
    let Json::Object(mut map) = root else {
        return;
    };
    let Some(Json::Array(items)) = map.remove("items") else {
        return;
    };
    for (item_index, item) in items.into_iter().enumerate() {
        let pos = locate_in(file, index, Some(item_index), "", Pos::default());
        let at = |path: &str| locate_in(file, index, Some(item_index), path, pos);
        match object_header(&item, at) {
            Ok((api_version, kind)) => documents.push(Document {
                file: file.clone(),
                index,
                item: Some(item_index),
                api_version,
                kind,
                pos,
                raw: item,
            }),
            Err((pos, message)) => errors.push(InputError::error(
                &file.name,
                Some(pos),
                format!("items[{item_index}]: {message}"),
            )),
        }
    }
}

/// `apiVersion` and `kind`, which every object must have as non-empty strings.
fn object_header(root: &Json, at: impl Fn(&str) -> Pos) -> Result<(String, String), (Pos, String)> {
    if !root.is_object() {
        return Err((
            at(""),
            format!(
                "expected a Kubernetes object (a mapping with apiVersion and kind), found {}",
                json_type_name(root)
            ),
        ));
    }
    let field = |name: &str| -> Result<String, (Pos, String)> {
        match root.get(name) {
            Some(Json::String(text)) if !text.is_empty() => Ok(text.clone()),
            Some(other) => Err((
                at(name),
                format!(
                    "expected `{name}` to be a non-empty string, found {}",
                    json_type_name(other)
                ),
            )),
            None => Err((
                at(""),
                format!(
                    "document has no `{name}`; every Kubernetes object needs apiVersion and kind"
                ),
            )),
        }
    };
    Ok((field("apiVersion")?, field("kind")?))
}

/// The JSON type name a user reads in "expected X, found Y" messages.
pub fn json_type_name(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Number(n) if n.is_f64() => "number",
        Json::Number(_) => "integer",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(text: &str) -> (Vec<Document>, Vec<InputError>) {
        documents(&SourceFile::new("t.yaml", text.to_string()))
    }

    #[test]
    fn helm_output_with_comments_and_empty_documents() {
        let text = "---\n# Source: chart/templates/a.yaml\n---\n# Source: b.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: b\n---\n---\n";
        let (documents, errors) = docs(text);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(documents.len(), 1);
        assert_eq!(documents[0].index, 1);
        assert_eq!(documents[0].pos.line, 5);
    }

    #[test]
    fn lists_are_unwrapped_with_item_positions() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n  metadata: {name: a}\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n";
        let (documents, errors) = docs(text);
        assert!(errors.is_empty());
        assert_eq!(documents.len(), 2);
        assert_eq!(documents[1].kind, "ConfigMap");
        assert_eq!(documents[1].item, Some(1));
        assert_eq!(documents[1].pos.line, 7);
    }

    #[test]
    fn missing_kind_is_a_located_error() {
        let (documents, errors) =
            docs("apiVersion: v1\nmetadata:\n  name: x\n---\napiVersion: v1\nkind: Namespace\n");
        assert_eq!(documents.len(), 1);
        assert_eq!(errors[0].pos, Some(Pos { line: 1, column: 1 }));
        assert!(errors[0].message.contains("no `kind`"));
    }

    #[test]
    fn json_documents_are_read() {
        let (documents, errors) = docs("{\n\t\"apiVersion\": \"v1\",\n\t\"kind\": \"Namespace\",\n\t\"metadata\": {\"name\": \"x\"}\n}\n");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(documents[0].kind, "Namespace");
    }

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        let mut bytes = if big_endian {
            vec![0xfe, 0xff]
        } else {
            vec![0xff, 0xfe]
        };
        for unit in text.encode_utf16() {
            bytes.extend(if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            });
        }
        bytes
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_read() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: café}\ndata: {k: \"𝄞\"}\n";
        for big_endian in [false, true] {
            let file = from_bytes("u.yaml", utf16(text, big_endian)).unwrap();
            assert_eq!(file.text, text);
            let (documents, errors) = documents(&file);
            assert!(errors.is_empty(), "{errors:?}");
            assert_eq!(documents[0].raw["data"]["k"], "𝄞");
        }
        // An unpaired surrogate and a NUL are located by character.
        let mut bytes = utf16("a: 1\nb: x", false);
        bytes.extend([0x00, 0xd8]);
        let error = from_bytes("u.yaml", bytes).unwrap_err();
        assert_eq!(error.pos, Some(Pos { line: 2, column: 5 }));
        assert!(error.message.contains("unpaired surrogate 0xd800"));
        let error = from_bytes("u.yaml", utf16("a: \0", true)).unwrap_err();
        assert_eq!(error.pos, Some(Pos { line: 1, column: 4 }));
        assert!(error.message.contains("binary"));
    }

    #[test]
    fn utf32_and_utf16_without_a_mark_are_refused_with_a_reason() {
        let error = from_bytes("u.yaml", vec![0xff, 0xfe, 0, 0, b'a', 0, 0, 0]).unwrap_err();
        assert!(error.message.starts_with("UTF-32 text is not supported"));
        let mut bytes = utf16("a: 1\n", false);
        bytes.drain(..2);
        let error = from_bytes("u.yaml", bytes).unwrap_err();
        assert!(error
            .message
            .contains("UTF-16 text needs a byte order mark"));
    }

    #[test]
    fn a_trailing_comma_is_an_error_in_json_only() {
        let json = "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"Namespace\",\n  \"metadata\": {\"name\": \"a\", \"labels\": {\"x\": \"a,]\",}}\n}\n";
        for name in ["t.json", "t.yaml"] {
            let (documents, errors) = documents(&SourceFile::new(name, json.to_string()));
            assert!(documents.is_empty());
            assert_eq!(
                errors[0].pos,
                Some(Pos {
                    line: 4,
                    column: 50
                })
            );
            assert!(errors[0].message.starts_with("trailing comma"));
        }
        let yaml = "apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {x: y,},}\n";
        let (documents, errors) = docs(yaml);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(documents.len(), 1);
        let (_, errors) = documents_of("t.json", "[1, 2,\n]\n");
        assert_eq!(errors[0].pos, Some(Pos { line: 1, column: 6 }));
    }

    fn documents_of(name: &str, text: &str) -> (Vec<Document>, Vec<InputError>) {
        documents(&SourceFile::new(name, text.to_string()))
    }

    #[test]
    fn non_standard_yaml_loads_with_a_warning() {
        let text = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: a}\nspec:\n  hosts: [a.example.com]\n  addresses: [1.2.3.4, 001:db8::]\n";
        let (documents, errors) = docs(text);
        assert_eq!(documents[0].raw["spec"]["addresses"][1], "001:db8::");
        assert_eq!(errors.len(), 1);
        assert!(!errors[0].is_error());
        assert_eq!(errors[0].severity, InputSeverity::Warning);
        assert_eq!(
            errors[0].pos,
            Some(Pos {
                line: 6,
                column: 24
            })
        );
    }

    #[test]
    fn snippet_lines_are_found_by_number() {
        let file = SourceFile::plain("t.yaml", "a\r\nb\n\nc".to_string());
        let lines: Vec<_> = (0..6).map(|n| file.line(n)).collect();
        assert_eq!(
            lines,
            [None, Some("a"), Some("b"), Some(""), Some("c"), None]
        );
    }

    #[test]
    fn binary_and_non_utf8_input_are_located() {
        assert_eq!(
            decode(b"a: 1\nb: \x00".to_vec()).unwrap_err().0,
            Some(Pos { line: 2, column: 4 })
        );
        let (pos, message) = decode(b"a: 1\nb: caf\xe9\n".to_vec()).unwrap_err();
        assert_eq!(pos, Some(Pos { line: 2, column: 7 }));
        assert!(message.contains("UTF-8"));
    }
}
