//! Inputs beyond text: the [`Part`]s of a message (images, documents such as
//! PDFs, audio) and where their bytes come from ([`Source`]).
//!
//! A part is provider-neutral; each provider writes its own wire form (chat
//! completions: `image_url` / `file` / `input_audio` parts; Responses:
//! `input_image` / `input_file`; Anthropic: `image` / `document` blocks). A
//! part a provider does not accept is an [`Error::Config`](crate::Error::Config)
//! before any request is sent.

use base64::Engine as _;
use bytes::Bytes;
use std::path::Path;

/// Where the bytes of an image, document or audio part come from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// A URL the provider fetches itself.
    Url(String),
    /// The bytes themselves, sent base64-encoded.
    Data {
        /// The media type, e.g. `image/png`, `application/pdf`.
        media_type: String,
        /// The bytes (cheap to clone: the request is cloned per attempt).
        data: Bytes,
    },
    /// A file uploaded to the provider beforehand (its Files API id).
    FileId(String),
}

impl Source {
    /// The bytes as a `data:` URL (`data:image/png;base64,…`), for a
    /// [`Source::Data`].
    #[must_use]
    pub fn data_url(&self) -> Option<String> {
        match self {
            Source::Data { media_type, data } => {
                Some(format!("data:{media_type};base64,{}", base64_of(data)))
            }
            _ => None,
        }
    }

    /// The media type of a [`Source::Data`].
    #[must_use]
    pub fn media_type(&self) -> Option<&str> {
        match self {
            Source::Data { media_type, .. } => Some(media_type),
            _ => None,
        }
    }
}

/// Standard base64 (with padding) of `bytes`, as every provider takes it.
pub(crate) fn base64_of(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A file name for a document sent without one (OpenAI's APIs require
/// one): `document.pdf`, `document.txt` or `document`, by media type.
pub(crate) fn default_filename(source: &Source) -> String {
    match source.media_type() {
        Some("application/pdf") => "document.pdf".to_owned(),
        Some(t) if t.starts_with("text/") => "document.txt".to_owned(),
        _ => "document".to_owned(),
    }
}

/// One piece of a message's content.
///
/// ```no_run
/// use extract_core::client::Part;
///
/// # fn run() -> std::io::Result<()> {
/// let parts = [
///     Part::text("Extract the line items of this receipt."),
///     Part::image_file("receipt.jpg")?,          // bytes, media type from the file's signature
///     Part::image_url("https://example.com/a.png"),
///     Part::document_file("invoice.pdf")?,       // a PDF, with its file name
/// ];
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Part {
    /// Text.
    Text(String),
    /// An image (PNG, JPEG, GIF or WebP for every provider).
    Image(Source),
    /// A document: a PDF, or another file type the provider reads.
    Document {
        /// Where its bytes come from.
        source: Source,
        /// Its file name, when known (some providers require one).
        filename: Option<String>,
    },
    /// Audio (WAV or MP3; chat completions only).
    Audio(Source),
}

impl Part {
    /// A text part.
    pub fn text(text: impl Into<String>) -> Part {
        Part::Text(text.into())
    }

    /// An image the provider fetches from `url` (a `data:` URL works too).
    pub fn image_url(url: impl Into<String>) -> Part {
        Part::Image(Source::Url(url.into()))
    }

    /// An image from its bytes and media type (`image/png`, …).
    pub fn image(data: impl Into<Bytes>, media_type: impl Into<String>) -> Part {
        Part::Image(Source::Data {
            media_type: media_type.into(),
            data: data.into(),
        })
    }

    /// An image read from a file; its media type is taken from its first
    /// bytes (PNG, JPEG, GIF, WebP), else from its extension.
    ///
    /// # Errors
    ///
    /// When the file cannot be read, or is not a known image type.
    pub fn image_file(path: impl AsRef<Path>) -> std::io::Result<Part> {
        let (data, media_type) = read_typed(path.as_ref(), "image/")?;
        Ok(Part::image(data, media_type))
    }

    /// A document from its bytes and media type (`application/pdf`,
    /// `text/plain`, …), with an optional file name.
    pub fn document(
        data: impl Into<Bytes>,
        media_type: impl Into<String>,
        filename: Option<String>,
    ) -> Part {
        Part::Document {
            source: Source::Data {
                media_type: media_type.into(),
                data: data.into(),
            },
            filename,
        }
    }

    /// A PDF from its bytes.
    pub fn pdf(data: impl Into<Bytes>) -> Part {
        Part::document(data, "application/pdf", None)
    }

    /// A document the provider fetches from `url`.
    pub fn document_url(url: impl Into<String>) -> Part {
        Part::Document {
            source: Source::Url(url.into()),
            filename: None,
        }
    }

    /// A document uploaded beforehand through the provider's Files API.
    pub fn file_id(id: impl Into<String>) -> Part {
        Part::Document {
            source: Source::FileId(id.into()),
            filename: None,
        }
    }

    /// A document read from a file, with its file name; the media type is
    /// taken from its first bytes (`%PDF`), else from its extension.
    ///
    /// # Errors
    ///
    /// When the file cannot be read, or its type is not known.
    pub fn document_file(path: impl AsRef<Path>) -> std::io::Result<Part> {
        let path = path.as_ref();
        let (data, media_type) = read_typed(path, "")?;
        let filename = path.file_name().map(|n| n.to_string_lossy().into_owned());
        Ok(Part::document(data, media_type, filename))
    }

    /// Audio from its bytes and media type (`audio/wav`, `audio/mpeg`).
    pub fn audio(data: impl Into<Bytes>, media_type: impl Into<String>) -> Part {
        Part::Audio(Source::Data {
            media_type: media_type.into(),
            data: data.into(),
        })
    }

    /// Audio read from a file (WAV or MP3).
    ///
    /// # Errors
    ///
    /// When the file cannot be read, or is neither WAV nor MP3.
    pub fn audio_file(path: impl AsRef<Path>) -> std::io::Result<Part> {
        let (data, media_type) = read_typed(path.as_ref(), "audio/")?;
        Ok(Part::audio(data, media_type))
    }

    /// The text of a [`Part::Text`].
    #[must_use]
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Part::Text(text) => Some(text),
            _ => None,
        }
    }

    /// What kind of part this is, for messages (`text`, `image`,
    /// `document`, `audio`).
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Part::Text(_) => "text",
            Part::Image(_) => "image",
            Part::Document { .. } => "document",
            Part::Audio(_) => "audio",
        }
    }
}

impl From<&str> for Part {
    fn from(text: &str) -> Self {
        Part::text(text)
    }
}

impl From<String> for Part {
    fn from(text: String) -> Self {
        Part::Text(text)
    }
}

/// Reads `path` and finds its media type, which must start with `family`.
fn read_typed(path: &Path, family: &str) -> std::io::Result<(Vec<u8>, String)> {
    let data = std::fs::read(path)?;
    let media_type = sniff(&data)
        .or_else(|| by_extension(path))
        .filter(|t| t.starts_with(family))
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "{}: not a known {} type",
                    path.display(),
                    match family.trim_end_matches('/') {
                        "" => "document",
                        kind => kind,
                    }
                ),
            )
        })?;
    Ok((data, media_type.to_owned()))
}

/// The media type of `data` from its first bytes (file signatures).
///
/// The providers accept a handful of types; a table of their signatures
/// is all that is needed here (no media-type database).
pub(crate) fn sniff(data: &[u8]) -> Option<&'static str> {
    let riff = |kind: &[u8]| data.len() >= 12 && &data[..4] == b"RIFF" && &data[8..12] == kind;
    Some(match data {
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
        [b'G', b'I', b'F', b'8', ..] => "image/gif",
        _ if riff(b"WEBP") => "image/webp",
        _ if riff(b"WAVE") => "audio/wav",
        [b'%', b'P', b'D', b'F', b'-', ..] => "application/pdf",
        [b'I', b'D', b'3', ..] | [0xFF, 0xFB | 0xF3 | 0xF2, ..] => "audio/mpeg",
        _ => return None,
    })
}

/// The media type of a file from its extension.
fn by_extension(path: &Path) -> Option<&'static str> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match extension.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "pdf" => "application/pdf",
        "txt" => "text/plain",
        "md" => "text/markdown",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "json" => "application/json",
        "wav" => "audio/wav",
        "mp3" => "audio/mpeg",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_decide_the_media_type() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0"), Some("image/jpeg"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), Some("audio/wav"));
        assert_eq!(sniff(b"%PDF-1.7"), Some("application/pdf"));
        assert_eq!(sniff(b"hello"), None);
        assert_eq!(by_extension(Path::new("a/B.JPG")), Some("image/jpeg"));
    }

    #[test]
    fn data_urls_are_base64() {
        let Part::Image(source) = Part::image(&b"hi"[..], "image/png") else {
            unreachable!()
        };
        assert_eq!(
            source.data_url().as_deref(),
            Some("data:image/png;base64,aGk=")
        );
        assert_eq!(Source::Url("u".into()).data_url(), None);
    }

    #[test]
    fn files_are_read_and_typed() {
        let dir = std::env::temp_dir().join(format!("extract-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let png = dir.join("receipt.bin");
        std::fs::write(&png, b"\x89PNG\r\n\x1a\nrest").unwrap();
        let Part::Image(Source::Data { media_type, data }) = Part::image_file(&png).unwrap() else {
            unreachable!()
        };
        assert_eq!((media_type.as_str(), data.len()), ("image/png", 12));
        let pdf = dir.join("invoice.pdf");
        std::fs::write(&pdf, b"%PDF-1.4 ...").unwrap();
        let Part::Document { filename, source } = Part::document_file(&pdf).unwrap() else {
            unreachable!()
        };
        assert_eq!(filename.as_deref(), Some("invoice.pdf"));
        assert_eq!(source.media_type(), Some("application/pdf"));
        let err = Part::image_file(&pdf).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
