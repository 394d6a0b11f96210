//! A small SVG writer: shapes and text with escaped content, coordinates with one decimal,
//! and an estimate of how wide a text is drawn, so that titles wrap, legends take their own
//! rows and labels never run into each other.
//!
//! The estimate needs no font file: a CJK character is one em wide in every CJK font, and
//! Latin letters and digits are at most 0.62 em in the sans-serif fonts named in
//! [`FONT_FAMILY`]; so a text estimated to fit does fit.

use std::fmt::Write as _;

/// The fonts asked for, CJK fonts first, so that Chinese renders on Linux (Noto, Source
/// Han), Windows (Microsoft YaHei) and macOS (PingFang) before falling back to the generic
/// family.
pub const FONT_FAMILY: &str =
    "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif";

/// An RGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#RRGGBB`.
    pub fn hex(self) -> String {
        format!("#{:02X}{:02X}{:02X}", self.0, self.1, self.2)
    }
}

/// Black text.
pub const INK: Rgb = Rgb(33, 33, 33);
/// Grey for notes, axes and reference lines.
pub const GREY: Rgb = Rgb(96, 96, 96);
/// Light grey for grid lines.
pub const GRID: Rgb = Rgb(224, 224, 224);

/// The series colours: Okabe–Ito, safe for colour-blind readers and distinct in greyscale
/// print, in the order series take them.
pub const PALETTE: [Rgb; 8] = [
    Rgb(0, 114, 178),
    Rgb(213, 94, 0),
    Rgb(0, 158, 115),
    Rgb(204, 121, 167),
    Rgb(230, 159, 0),
    Rgb(86, 180, 233),
    Rgb(120, 120, 120),
    Rgb(0, 0, 0),
];

/// The colour of series `i`.
pub fn colour(i: usize) -> Rgb {
    PALETTE[i % PALETTE.len()]
}

/// Where a text is anchored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// At its start.
    Start,
    /// At its middle.
    Middle,
    /// At its end.
    End,
}

/// How wide `text` is drawn at `size` pixels (an upper estimate, see the module doc).
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars()
        .map(|c| {
            if c.is_ascii() {
                match c {
                    ' ' => 0.3,
                    'i' | 'l' | 'j' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' => 0.3,
                    'm' | 'w' | 'M' | 'W' | '%' => 0.9,
                    _ => 0.62,
                }
            } else {
                // CJK, full-width punctuation and most other scripts: one em.
                1.0
            }
        })
        .sum::<f64>()
        * size
}

fn is_wide(c: char) -> bool {
    !c.is_ascii()
}

/// Splits `text` into lines no wider than `max_w` at `size`: between words, and between
/// any two CJK characters (Chinese has no spaces). A word wider than a line is cut.
pub fn wrap(text: &str, size: f64, max_w: f64) -> Vec<String> {
    // Tokens: a run of ASCII non-space characters is one word; each wide character is its
    // own token; spaces separate.
    let mut tokens: Vec<(String, bool)> = Vec::new(); // (token, space before)
    let mut word = String::new();
    let mut space = false;
    for c in text.chars() {
        if c == ' ' || c == '\n' {
            if !word.is_empty() {
                tokens.push((std::mem::take(&mut word), space));
            }
            space = true;
        } else if is_wide(c) {
            if !word.is_empty() {
                tokens.push((std::mem::take(&mut word), space));
                space = false;
            }
            tokens.push((c.to_string(), space));
            space = false;
        } else {
            word.push(c);
        }
    }
    if !word.is_empty() {
        tokens.push((word, space));
    }
    let mut lines = Vec::new();
    let mut cur = String::new();
    for (tok, sp) in tokens {
        let joined = if cur.is_empty() {
            tok.clone()
        } else if sp {
            format!("{cur} {tok}")
        } else {
            format!("{cur}{tok}")
        };
        if text_width(&joined, size) <= max_w || cur.is_empty() {
            cur = joined;
        } else {
            lines.push(std::mem::take(&mut cur));
            cur = tok;
        }
        // A single token wider than the line is cut to fit.
        while text_width(&cur, size) > max_w && cur.chars().count() > 1 {
            let mut head = String::new();
            for c in cur.chars() {
                if text_width(&format!("{head}{c}"), size) > max_w && !head.is_empty() {
                    break;
                }
                head.push(c);
            }
            let rest: String = cur.chars().skip(head.chars().count()).collect();
            lines.push(head);
            cur = rest;
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// `text` with the five XML special characters escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A coordinate with one decimal (finite by construction: every scale is finite).
fn n(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.1}")
    } else {
        "0".into()
    }
}

/// How a text is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextStyle {
    /// Size in pixels.
    pub size: f64,
    /// Anchor.
    pub anchor: Anchor,
    /// Bold.
    pub bold: bool,
    /// Colour.
    pub colour: Rgb,
}

impl TextStyle {
    /// Regular text of `size`, anchored at its start, in ink.
    pub fn new(size: f64) -> Self {
        Self {
            size,
            anchor: Anchor::Start,
            bold: false,
            colour: INK,
        }
    }

    /// Anchored at `anchor`.
    pub fn anchor(mut self, anchor: Anchor) -> Self {
        self.anchor = anchor;
        self
    }

    /// Bold.
    pub fn bold(mut self) -> Self {
        self.bold = true;
        self
    }

    /// In `colour`.
    pub fn colour(mut self, colour: Rgb) -> Self {
        self.colour = colour;
        self
    }
}

/// An SVG document being drawn.
#[derive(Debug, Clone)]
pub struct Svg {
    body: String,
    width: f64,
}

impl Svg {
    /// A document `width` pixels wide (its height is given at the end).
    pub fn new(width: f64) -> Self {
        Self {
            body: String::new(),
            width,
        }
    }

    /// Its width.
    pub fn width(&self) -> f64 {
        self.width
    }

    /// A text whose baseline starts at (`x`, `y`).
    pub fn text(&mut self, x: f64, y: f64, text: &str, st: TextStyle) {
        self.text_rotated(x, y, text, st, 0.0);
    }

    /// A text turned by `degrees` about its anchor.
    pub fn text_rotated(&mut self, x: f64, y: f64, text: &str, st: TextStyle, degrees: f64) {
        let anchor = match st.anchor {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        };
        let _ = write!(
            self.body,
            r#"<text x="{}" y="{}" font-size="{}" text-anchor="{anchor}" fill="{}""#,
            n(x),
            n(y),
            n(st.size),
            st.colour.hex()
        );
        if st.bold {
            self.body.push_str(r#" font-weight="bold""#);
        }
        if degrees != 0.0 {
            let _ = write!(
                self.body,
                r#" transform="rotate({} {} {})""#,
                n(degrees),
                n(x),
                n(y)
            );
        }
        let _ = writeln!(self.body, ">{}</text>", escape(text));
    }

    /// A straight line; `dash` is an SVG dash pattern (`"6 4"`).
    pub fn line(
        &mut self,
        a: (f64, f64),
        b: (f64, f64),
        colour: Rgb,
        width: f64,
        dash: Option<&str>,
    ) {
        self.polyline(&[a, b], colour, width, dash);
    }

    /// Connected segments.
    pub fn polyline(&mut self, points: &[(f64, f64)], colour: Rgb, width: f64, dash: Option<&str>) {
        let pts: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{},{}", n(*x), n(*y)))
            .collect();
        let _ = write!(
            self.body,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="{}" stroke-linejoin="round""#,
            pts.join(" "),
            colour.hex(),
            n(width)
        );
        if let Some(d) = dash {
            let _ = write!(self.body, r#" stroke-dasharray="{d}""#);
        }
        self.body.push_str("/>\n");
    }

    /// A filled rectangle (`w`, `h` may be given negative: it is normalised).
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: Rgb) {
        let (x, w) = if w < 0.0 { (x + w, -w) } else { (x, w) };
        let (y, h) = if h < 0.0 { (y + h, -h) } else { (y, h) };
        let _ = writeln!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>"#,
            n(x),
            n(y),
            n(w),
            n(h),
            fill.hex()
        );
    }

    /// A closed, filled shape with an opacity.
    pub fn polygon(&mut self, points: &[(f64, f64)], fill: Rgb, opacity: f64) {
        let pts: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{},{}", n(*x), n(*y)))
            .collect();
        let _ = writeln!(
            self.body,
            r#"<polygon points="{}" fill="{}" fill-opacity="{:.2}" stroke="none"/>"#,
            pts.join(" "),
            fill.hex(),
            opacity.clamp(0.0, 1.0)
        );
    }

    /// A marker: filled in `colour`, or hollow (white inside) with a `colour` ring.
    pub fn circle(&mut self, c: (f64, f64), r: f64, colour: Rgb, hollow: bool) {
        let fill = if hollow {
            "#FFFFFF".into()
        } else {
            colour.hex()
        };
        let _ = writeln!(
            self.body,
            r#"<circle cx="{}" cy="{}" r="{}" fill="{fill}" stroke="{}" stroke-width="1.5"/>"#,
            n(c.0),
            n(c.1),
            n(r),
            colour.hex()
        );
    }

    /// The document, `height` pixels high, scaling to the width of its container.
    pub fn finish(self, height: f64) -> String {
        let (w, h) = (n(self.width), n(height));
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"{FONT_FAMILY}\">\n<rect width=\"100%\" height=\"100%\" fill=\"#FFFFFF\"/>\n{}</svg>\n",
            self.body
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_is_one_em_and_wraps_between_characters() {
        assert_eq!(text_width("潜力型", 10.0), 30.0);
        assert!(text_width("abc", 10.0) < 20.0);
        let lines = wrap("数创企业培育指数：增长最快的省份", 10.0, 60.0);
        assert!(lines.len() >= 3, "{lines:?}");
        assert!(lines.iter().all(|l| text_width(l, 10.0) <= 60.0));
        assert_eq!(lines.concat(), "数创企业培育指数：增长最快的省份");
        let en = wrap("Firms per tier after each yearly adjustment", 10.0, 120.0);
        assert!(
            en.len() > 1 && en.iter().all(|l| !l.starts_with(' ')),
            "{en:?}"
        );
        assert_eq!(en.join(" "), "Firms per tier after each yearly adjustment");
        assert_eq!(wrap("", 10.0, 50.0), Vec::<String>::new());
    }

    #[test]
    fn text_is_escaped() {
        let mut s = Svg::new(100.0);
        s.text(1.0, 2.0, "a<b & \"c\"", TextStyle::new(14.0));
        let out = s.finish(50.0);
        assert!(out.contains("a&lt;b &amp; &quot;c&quot;"), "{out}");
        assert!(out.contains("font-family=\"'Noto Sans CJK SC'"));
    }
}
