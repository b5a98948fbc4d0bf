//! A build folder written whole: every file goes to a staging folder beside the target; the
//! commit writes the manifest and swaps the staging folder with the target in one atomic
//! rename (`renameat2(RENAME_EXCHANGE)` on Linux). Files in the target that northstar did not
//! write are carried into the new build by hard link, untouched; the old build's own files go.

use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::file::{sync_dir, write_digested, write_synced};
use crate::manifest::{MANIFEST, Manifest, ManifestFile};
use crate::scratch::Scratch;
use crate::{OutputError, Result, io_error};

/// The prefix of the staging folders earlier versions made inside the output folder.
const LEGACY_STAGING: &str = ".northstar-stage-";

/// A build being written: nothing appears in the target until [`BuildFolder::commit`].
#[derive(Debug)]
pub struct BuildFolder {
    target: PathBuf,
    staging: Scratch,
    manifest: Manifest,
}

impl BuildFolder {
    /// Prepares a new build of the folder `target` (made if missing), staged beside it.
    pub fn create(target: &Path) -> Result<Self> {
        let target = absolute(target)?;
        let parent = target.parent().unwrap_or(Path::new("/")).to_owned();
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if target.exists() {
            refuse_unusable(&target)?;
        }
        let staging = Scratch::create(&parent, &format!(".{name}.northstar-"))?;
        Ok(Self {
            target,
            staging,
            manifest: Manifest::new(),
        })
    }

    /// Writes the file `name` with `fill`, synced, into the staging folder.
    pub fn write(
        &mut self,
        name: &str,
        fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<()> {
        let file = stage(self.staging.path(), name, fill)?;
        self.record(file);
        Ok(())
    }

    /// Writes every file of `files` as [`BuildFolder::write`] would, side by side on the
    /// threads there are, each begun as a thread comes free: those known to take long first,
    /// then the others, in the list's order. The manifest lists them in the list's order.
    pub fn write_each(&mut self, files: Vec<StagedFile<'_>>) -> Result<()> {
        let staging = self.staging.path();
        let mut files: Vec<(usize, StagedFile<'_>)> = files.into_iter().enumerate().collect();
        files.sort_by_key(|(_, file)| !file.long);
        let mut written: Vec<(usize, String, Option<Result<ManifestFile>>)> = files
            .into_iter()
            .par_bridge()
            .map(|(at, file)| {
                let staged = file.fill.map(|fill| stage(staging, &file.name, fill));
                (at, file.name, staged)
            })
            .collect();
        written.sort_unstable_by_key(|(at, ..)| *at);
        for (_, name, file) in written {
            match file {
                Some(file) => self.record(file?),
                None => self.relist(&name)?,
            }
        }
        Ok(())
    }

    /// Moves the file `name`, written before, to the end of the manifest's list.
    fn relist(&mut self, name: &str) -> Result<()> {
        let at = self.manifest.files.iter().position(|f| f.name == name);
        let file = at
            .map(|at| self.manifest.files.remove(at))
            .ok_or_else(|| OutputError::Io {
                path: self.staging.path().join(name),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "listed, but never written"),
            })?;
        self.manifest.files.push(file);
        Ok(())
    }

    /// Lists `file` in the manifest, in place of any file of its name listed before.
    fn record(&mut self, file: ManifestFile) {
        self.manifest.files.retain(|f| f.name != file.name);
        self.manifest.files.push(file);
    }

    /// Writes `value` as pretty JSON, with a final newline.
    pub fn write_json<T: serde::Serialize>(&mut self, name: &str, value: &T) -> Result<()> {
        let text = self.json_text(name, value)?;
        self.write(name, |w| w.write_all(&text))
    }

    /// The file `name` holding `value` as pretty JSON, with a final newline, for
    /// [`BuildFolder::write_each`].
    pub fn json_file<T: serde::Serialize>(&self, name: &str, value: &T) -> Result<StagedFile<'static>> {
        let text = self.json_text(name, value)?;
        Ok(StagedFile::new(name, move |w| w.write_all(&text)))
    }

    /// `value` as pretty JSON, with a final newline, for the file `name`.
    fn json_text<T: serde::Serialize>(&self, name: &str, value: &T) -> Result<Vec<u8>> {
        let mut text = serde_json::to_vec_pretty(value).map_err(|source| OutputError::Json {
            path: self.target.join(name),
            source,
        })?;
        text.push(b'\n');
        Ok(text)
    }

    /// Writes the manifest and puts the new build in place of the old one, in one step. Returns
    /// the names of the files written, the manifest last.
    pub fn commit(self) -> Result<Vec<String>> {
        let staging = self.staging.path().to_owned();
        let mut written: Vec<String> = self.manifest.files.iter().map(|f| f.name.clone()).collect();
        written.push(MANIFEST.to_owned());
        let manifest = serde_json::to_vec_pretty(&self.manifest).map_err(|source| OutputError::Json {
            path: self.target.join(MANIFEST),
            source,
        })?;
        write_synced(&staging.join(MANIFEST), |w| {
            w.write_all(&manifest)?;
            w.write_all(b"\n")
        })?;
        if self.target.exists() {
            carry_foreign_files(&self.target, &staging, &self.manifest)?;
            sync_dir(&staging)?;
            exchange(&staging, &self.target).map_err(io_error(&self.target))?;
            // The staging folder now holds the old build, which goes when `self.staging` drops.
        } else {
            sync_dir(&staging)?;
            fs_err::rename(&staging, &self.target).map_err(io_error(&self.target))?;
            self.staging.keep();
        }
        if let Some(parent) = self.target.parent() {
            sync_dir(parent)?;
        }
        Ok(written)
    }
}

/// What writes one file of a build: its bytes, written to the writer it is given.
type Fill<'a> = Box<dyn FnOnce(&mut dyn Write) -> std::io::Result<()> + Send + 'a>;

/// One file of a build, for [`BuildFolder::write_each`].
pub struct StagedFile<'a> {
    /// The file's name in the build folder.
    name: String,
    /// What writes it; `None` for a file written before.
    fill: Option<Fill<'a>>,
    /// Known to take long to write: begun before the others.
    long: bool,
}

impl<'a> StagedFile<'a> {
    /// The file `name`, written by `fill`.
    pub fn new(name: &str, fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()> + Send + 'a) -> Self {
        Self {
            name: name.to_owned(),
            fill: Some(Box::new(fill)),
            long: false,
        }
    }

    /// This file, begun before the files not known to take long, so that the longest to write
    /// do not end the writing alone.
    pub fn long(self) -> Self {
        Self { long: true, ..self }
    }

    /// The file `name`, written before with [`BuildFolder::write`], listed at this place.
    pub fn written(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            fill: None,
            long: false,
        }
    }
}

/// Writes the file `name` into `staging` with `fill` and reads back its size and checksum.
fn stage(
    staging: &Path,
    name: &str,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<ManifestFile> {
    let (bytes, sha256) = write_digested(&staging.join(name), fill)?;
    Ok(ManifestFile {
        name: name.to_owned(),
        bytes,
        sha256,
    })
}

/// `path` made absolute, so that `.` has a name and a parent.
fn absolute(path: &Path) -> Result<PathBuf> {
    let unusable = |reason: &str| OutputError::Unusable {
        path: path.to_owned(),
        reason: reason.to_owned(),
    };
    if path.exists() {
        return fs_err::canonicalize(path).map_err(io_error(path));
    }
    let name = path
        .file_name()
        .ok_or_else(|| unusable("it has no folder name"))?;
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs_err::create_dir_all(parent).map_err(io_error(parent))?;
    Ok(fs_err::canonicalize(parent).map_err(io_error(parent))?.join(name))
}

/// Refuses a target that is a file, or that holds a folder (which a swap could not carry over).
fn refuse_unusable(target: &Path) -> Result<()> {
    let unusable = |reason: String| OutputError::Unusable {
        path: target.to_owned(),
        reason,
    };
    if !target.is_dir() {
        return Err(unusable("it is a file; give a folder".to_owned()));
    }
    for entry in fs_err::read_dir(target).map_err(io_error(target))?.flatten() {
        // Staging left inside the output folder by versions before the build folder: it goes
        // with the old build.
        let legacy = entry.file_name().to_string_lossy().starts_with(LEGACY_STAGING);
        if entry.path().is_dir() && !legacy {
            return Err(unusable(format!(
                "it holds the folder `{}`, which northstar did not write; give an output folder of its own",
                entry.file_name().to_string_lossy()
            )));
        }
    }
    Ok(())
}

/// Links into `staging` every file of `target` that neither the old build's manifest nor the
/// new one lists: files northstar did not write stay as they are.
fn carry_foreign_files(target: &Path, staging: &Path, new: &Manifest) -> Result<()> {
    let old = Manifest::read(target);
    for entry in fs_err::read_dir(target).map_err(io_error(target))?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = new.lists(&name) || old.as_ref().is_some_and(|m| m.lists(&name));
        if !ours && entry.path().is_file() {
            let to = staging.join(&name);
            if fs_err::hard_link(entry.path(), &to).is_err() {
                fs_err::copy(entry.path(), &to).map_err(io_error(&to))?;
            }
        }
    }
    Ok(())
}

/// Swaps the folders `a` and `b` atomically where the system can; elsewhere with three renames.
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        use rustix::io::Errno;
        match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
            Ok(()) => return Ok(()),
            Err(e) if e == Errno::INVAL || e == Errno::NOSYS => {}
            Err(e) => return Err(e.into()),
        }
    }
    let mut aside = a.as_os_str().to_owned();
    aside.push("-old");
    let aside = PathBuf::from(aside);
    fs_err::rename(b, &aside)?;
    fs_err::rename(a, b)?;
    fs_err::rename(&aside, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs_err::read_dir(dir)
            .expect("ls")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_build_appears_whole_replaces_the_old_one_and_keeps_foreign_files() {
        let parent = tempfile::tempdir().expect("tempdir");
        let out = parent.path().join("out");
        let mut first = BuildFolder::create(&out).expect("create");
        first.write("a.csv", |w| w.write_all(b"a1\n")).expect("write");
        first
            .write("old_only.csv", |w| w.write_all(b"x\n"))
            .expect("write");
        assert!(!out.exists(), "nothing appears before the commit");
        first.commit().expect("commit");
        assert_eq!(names(&out), ["a.csv", "manifest.json", "old_only.csv"]);
        fs_err::write(out.join("notes.txt"), "mine").expect("foreign file");

        let mut second = BuildFolder::create(&out).expect("create");
        second.write("a.csv", |w| w.write_all(b"a2\n")).expect("write");
        second
            .write_json("run.json", &serde_json::json!({"ok": true}))
            .expect("json");
        assert_eq!(fs_err::read_to_string(out.join("a.csv")).expect("read"), "a1\n");
        let written = second.commit().expect("commit");
        assert_eq!(written, ["a.csv", "run.json", "manifest.json"]);
        assert_eq!(names(&out), ["a.csv", "manifest.json", "notes.txt", "run.json"]);
        assert_eq!(fs_err::read_to_string(out.join("a.csv")).expect("read"), "a2\n");
        assert_eq!(
            fs_err::read_to_string(out.join("notes.txt")).expect("read"),
            "mine"
        );
        assert_eq!(names(parent.path()), ["out"], "no staging folder is left");
        let manifest = crate::check(&out).expect("the manifest matches");
        assert_eq!(manifest.files.len(), 2);

        fs_err::write(out.join("a.csv"), "tampered\n").expect("tamper");
        let err = crate::check(&out).expect_err("a changed file is found");
        assert!(err.to_string().contains("a.csv"), "{err}");
    }

    #[test]
    fn files_written_side_by_side_are_listed_in_their_order_and_a_failure_is_reported() {
        let parent = tempfile::tempdir().expect("tempdir");
        let out = parent.path().join("out");
        let mut build = BuildFolder::create(&out).expect("create");
        let names: Vec<String> = (0..16).map(|i| format!("f{:02}.csv", 15 - i)).collect();
        let files = names
            .iter()
            .enumerate()
            .map(|(i, name)| StagedFile::new(name, move |w| writeln!(w, "{}", "x".repeat(i))))
            .chain([build
                .json_file("run.json", &serde_json::json!({"ok": true}))
                .expect("json")])
            .collect();
        build.write_each(files).expect("write");
        let written = build.commit().expect("commit");
        assert_eq!(written[..16], names[..]);
        assert_eq!(written[16..], ["run.json", "manifest.json"]);
        let manifest = crate::check(&out).expect("every size and checksum matches");
        assert_eq!(manifest.files[15].bytes, 16, "f00.csv: 15 x and a newline");
        assert_eq!(fs_err::read_to_string(out.join("f14.csv")).expect("read"), "x\n");

        let mut failing = BuildFolder::create(&out).expect("create");
        let files = vec![
            StagedFile::new("ok.csv", |w| w.write_all(b"ok\n")),
            StagedFile::new("bad.csv", |_| Err(std::io::Error::other("disk full"))),
        ];
        let err = failing.write_each(files).expect_err("the failure is reported");
        assert!(err.to_string().contains("bad.csv"), "{err}");
    }

    #[test]
    fn files_known_to_take_long_are_begun_first_and_listed_in_their_place() {
        let parent = tempfile::tempdir().expect("tempdir");
        let out = parent.path().join("out");
        let mut build = BuildFolder::create(&out).expect("create");
        let begun = std::sync::Mutex::new(Vec::new());
        let file = |name: &'static str| {
            let begun = &begun;
            StagedFile::new(name, move |w| {
                begun.lock().expect("lock").push(name);
                w.write_all(name.as_bytes())
            })
        };
        let files = vec![
            file("a.csv"),
            file("b.csv").long(),
            file("c.csv"),
            file("d.csv").long(),
        ];
        let one_thread = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("pool");
        one_thread.install(|| build.write_each(files)).expect("write");
        assert_eq!(
            begun.into_inner().expect("lock"),
            ["b.csv", "d.csv", "a.csv", "c.csv"]
        );
        let written = build.commit().expect("commit");
        assert_eq!(written, ["a.csv", "b.csv", "c.csv", "d.csv", "manifest.json"]);
    }

    #[test]
    fn a_file_written_early_is_listed_where_its_place_is() {
        let parent = tempfile::tempdir().expect("tempdir");
        let out = parent.path().join("out");
        let mut build = BuildFolder::create(&out).expect("create");
        build.write("early.csv", |w| w.write_all(b"e\n")).expect("write");
        let never = build.write_each(vec![StagedFile::written("never.csv")]);
        assert!(never.is_err(), "a file never written cannot be listed");
        let files = vec![
            StagedFile::new("first.csv", |w| w.write_all(b"f\n")),
            StagedFile::written("early.csv"),
            StagedFile::new("last.csv", |w| w.write_all(b"l\n")),
        ];
        build.write_each(files).expect("write");
        let written = build.commit().expect("commit");
        assert_eq!(written, ["first.csv", "early.csv", "last.csv", "manifest.json"]);
        assert_eq!(
            fs_err::read_to_string(out.join("early.csv")).expect("read"),
            "e\n"
        );
    }

    #[test]
    fn an_abandoned_build_leaves_the_old_one_and_no_staging() {
        let parent = tempfile::tempdir().expect("tempdir");
        let out = parent.path().join("out");
        let mut first = BuildFolder::create(&out).expect("create");
        first.write("a.csv", |w| w.write_all(b"a1\n")).expect("write");
        first.commit().expect("commit");
        let mut second = BuildFolder::create(&out).expect("create");
        second.write("a.csv", |w| w.write_all(b"a2\n")).expect("write");
        drop(second);
        assert_eq!(fs_err::read_to_string(out.join("a.csv")).expect("read"), "a1\n");
        assert_eq!(names(parent.path()), ["out"]);
    }

    #[cfg(unix)]
    #[test]
    fn outputs_have_the_usual_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let parent = tempfile::tempdir().expect("tempdir");
        let out = parent.path().join("out");
        let mut build = BuildFolder::create(&out).expect("create");
        build.write("a.csv", |w| w.write_all(b"a\n")).expect("write");
        build.commit().expect("commit");
        let mode = |p: &Path| fs_err::metadata(p).expect("stat").permissions().mode() & 0o777;
        let umask_allows = |bits: u32| bits & !0o022;
        assert_eq!(mode(&out.join("a.csv")), umask_allows(0o644));
        assert_eq!(mode(&out), umask_allows(0o755));
    }

    #[test]
    fn a_folder_in_the_target_is_refused_but_old_staging_goes_with_the_old_build() {
        let parent = tempfile::tempdir().expect("tempdir");
        let out = parent.path().join("out");
        fs_err::create_dir_all(out.join(".northstar-stage-abc")).expect("mkdir");
        let mut build = BuildFolder::create(&out).expect("old staging is no obstacle");
        build.write("a.csv", |w| w.write_all(b"a\n")).expect("write");
        build.commit().expect("commit");
        assert_eq!(names(&out), ["a.csv", "manifest.json"]);
        fs_err::create_dir_all(out.join("data")).expect("mkdir");
        let err = BuildFolder::create(&out).expect_err("refused");
        assert!(err.to_string().contains("`data`"), "{err}");
    }
}
