//! A gzip stream stitched from pieces compressed apart: the
//! shared parts of a logged-in page are compressed once and kept; per request only the small
//! personal parts are added, uncompressed, and nothing is compressed again.
//!
//! Each kept piece is raw deflate from a fresh compressor ended with a sync flush: non-final
//! blocks that end on a byte boundary and never refer to data before their start, so pieces
//! can follow one another in any order. A personal part goes in as a stored (uncompressed)
//! block. The stream ends with an empty final block, and the gzip trailer takes the CRC-32 and
//! length of the plain text, which the caller has anyway.

use flate2::{Compress, Compression, FlushCompress, Status};

/// One piece of a page: its plain text and the same as raw deflate ending on a sync flush.
#[derive(Debug, Clone)]
pub struct Piece {
    pub plain: String,
    pub deflated: Vec<u8>,
}

impl Piece {
    /// Compress `plain` as a piece of its own.
    pub fn new(plain: String) -> Piece {
        let deflated = deflate_alone(plain.as_bytes());
        Piece { plain, deflated }
    }
}

/// `plain` as raw deflate from a fresh compressor, ended with a sync flush (no final block).
pub fn deflate_alone(plain: &[u8]) -> Vec<u8> {
    deflate_with(None, plain)
}

/// `plain` compressed to follow `before` in the stream: it may refer back into `before`, so it
/// is valid only right after exactly those bytes. Entries of a ballot look alike, so an entry
/// compressed after the one above it takes a fraction of the room it takes alone.
pub fn deflate_after(before: &[u8], plain: &[u8]) -> Vec<u8> {
    deflate_with(Some(before), plain)
}

fn deflate_with(dictionary: Option<&[u8]>, plain: &[u8]) -> Vec<u8> {
    thread_local! {
        // One compressor per thread, reset for each piece: a deflate state is a few hundred
        // kilobytes, and allocating one per piece leaves the allocator holding memory.
        // Compressed once and sent many times: the best level is worth its time.
        static COMPRESS: std::cell::RefCell<Compress> = std::cell::RefCell::new(Compress::new(Compression::best(), false));
    }
    COMPRESS.with(|cell| {
        let mut compress = cell.borrow_mut();
        compress.reset();
        if let Some(dictionary) = dictionary.filter(|d| !d.is_empty()) {
            // The window holds 32 KiB: only the end of a longer text can be referred to.
            let start = dictionary.len().saturating_sub(32 * 1024);
            compress
                .set_dictionary(&dictionary[start..])
                .expect("a fresh raw deflate stream takes a dictionary");
        }
        let mut out = Vec::with_capacity(plain.len() / 3 + 64);
        loop {
            let consumed = compress.total_in() as usize;
            if out.capacity() - out.len() < 64 {
                out.reserve(out.capacity().max(1024));
            }
            let status = compress
                .compress_vec(&plain[consumed..], &mut out, FlushCompress::Sync)
                .expect("deflate into a growing buffer cannot fail");
            // Done once all input is in and the flush left room to spare (it is complete then).
            if compress.total_in() as usize == plain.len() && out.len() < out.capacity() {
                break;
            }
            if status == Status::StreamEnd {
                break;
            }
        }
        out
    })
}

/// Builds one gzip stream from pieces and personal text, in page order.
pub struct GzipStitcher {
    out: Vec<u8>,
    crc: crc32fast::Hasher,
    len: u64,
}

/// gzip header: magic, deflate, no flags, no time, no extra flags, unknown OS.
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];
/// An empty final block with fixed codes: ends the deflate stream.
const FINAL_BLOCK: [u8; 2] = [0x03, 0x00];

impl GzipStitcher {
    pub fn with_capacity(bytes: usize) -> GzipStitcher {
        let mut out = Vec::with_capacity(bytes + HEADER.len() + 16);
        out.extend_from_slice(&HEADER);
        GzipStitcher {
            out,
            crc: crc32fast::Hasher::new(),
            len: 0,
        }
    }

    /// A piece compressed beforehand.
    pub fn piece(&mut self, piece: &Piece) {
        self.deflated(&piece.deflated, &piece.plain);
    }

    /// `plain`, compressed beforehand as `deflated` (by `deflate_alone`, or by `deflate_after`
    /// the text that comes right before it here).
    pub fn deflated(&mut self, deflated: &[u8], plain: &str) {
        self.out.extend_from_slice(deflated);
        self.plain(plain.as_bytes());
    }

    /// Text of this request only, as stored blocks (at most 65,535 bytes each).
    pub fn text(&mut self, text: &str) {
        for chunk in text.as_bytes().chunks(u16::MAX as usize) {
            let len = chunk.len() as u16;
            // BFINAL 0, BTYPE 00 (stored), padded to the byte: the stream is byte-aligned here.
            self.out.push(0);
            self.out.extend_from_slice(&len.to_le_bytes());
            self.out.extend_from_slice(&(!len).to_le_bytes());
            self.out.extend_from_slice(chunk);
        }
        self.plain(text.as_bytes());
    }

    fn plain(&mut self, bytes: &[u8]) {
        self.crc.update(bytes);
        self.len += bytes.len() as u64;
    }

    /// The finished stream: the final block and the trailer (CRC-32, length mod 2^32).
    pub fn finish(mut self) -> Vec<u8> {
        self.out.extend_from_slice(&FINAL_BLOCK);
        self.out.extend_from_slice(&self.crc.finalize().to_le_bytes());
        self.out.extend_from_slice(&(self.len as u32).to_le_bytes());
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn gunzip(bytes: &[u8]) -> String {
        let mut plain = String::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_string(&mut plain)
            .expect("a valid gzip stream");
        plain
    }

    #[test]
    fn pieces_and_text_make_one_valid_stream() {
        let head = Piece::new("<html><head><title>t</title></head><body>".repeat(3));
        let entry = Piece::new("<li class=\"entry\">serde, a framework</li>\n".repeat(40));
        let empty = Piece::new(String::new());
        let mut gz = GzipStitcher::with_capacity(1024);
        gz.piece(&head);
        gz.text("alice");
        gz.piece(&entry);
        gz.piece(&empty);
        gz.text("");
        gz.text("token-&-<b>");
        gz.piece(&entry);
        let body = gz.finish();
        let expected = format!("{}alice{}token-&-<b>{}", head.plain, entry.plain, entry.plain);
        assert_eq!(gunzip(&body), expected);
        assert!(
            body.len() < expected.len() / 3,
            "still compressed: {}",
            body.len()
        );
    }

    #[test]
    fn a_piece_compressed_after_its_neighbour_refers_back_to_it() {
        let first =
            "<li class=\"entry\"><a href=\"/nominations/1\">serde</a>, a framework for serializing</li>\n";
        let second =
            "<li class=\"entry\"><a href=\"/nominations/2\">tokio</a>, a framework for async I/O</li>\n";
        let alone = deflate_alone(second.as_bytes());
        let after = deflate_after(first.as_bytes(), second.as_bytes());
        assert!(after.len() < alone.len(), "{} vs {}", after.len(), alone.len());
        let mut gz = GzipStitcher::with_capacity(0);
        gz.piece(&Piece::new(first.to_string()));
        gz.deflated(&after, second);
        gz.text("!");
        assert_eq!(gunzip(&gz.finish()), format!("{first}{second}!"));
    }

    #[test]
    fn long_text_goes_in_several_stored_blocks() {
        let long = "x".repeat(70_000) + "é";
        let mut gz = GzipStitcher::with_capacity(0);
        gz.text(&long);
        assert_eq!(gunzip(&gz.finish()), long);
    }

    #[test]
    fn a_large_piece_compresses_whole() {
        let text: String = (0..20_000).map(|i| format!("{i},")).collect();
        let piece = Piece::new(text.clone());
        let mut gz = GzipStitcher::with_capacity(0);
        gz.piece(&piece);
        assert_eq!(gunzip(&gz.finish()), text);
    }
}
