//! Kubernetes resource quantities in canonical form, as the API machinery
//! writes them back (`2000m` → `2`, `1024Mi` → `1Gi`, `0.5` → `500m`).

/// The canonical text of a quantity, or `None` when it is not one.
pub fn canonical(text: &str) -> Option<String> {
    let text = text.trim();
    let number_end = text
        .char_indices()
        .find(|(i, c)| !(c.is_ascii_digit() || *c == '.' || ((*c == '+' || *c == '-') && *i == 0)))
        .map_or(text.len(), |(i, _)| i);
    let (number, suffix) = text.split_at(number_end);
    if number.is_empty() || number == "+" || number == "-" {
        return None;
    }
    let negative = number.starts_with('-');
    let digits = number.trim_start_matches(['+', '-']);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && frac.is_empty() || frac.contains('.') {
        return None;
    }
    // The value as mantissa × 10^exp10 × 2^exp2.
    let mut mantissa: i128 = 0;
    for c in int.chars().chain(frac.chars()) {
        mantissa = mantissa
            .checked_mul(10)?
            .checked_add(i128::from(c.to_digit(10)?))?;
    }
    let mut exp10: i32 = -(frac.len() as i32);
    let mut exp2: i32 = 0;
    let binary = match suffix {
        "" => false,
        "n" => {
            exp10 -= 9;
            false
        }
        "u" => {
            exp10 -= 6;
            false
        }
        "m" => {
            exp10 -= 3;
            false
        }
        "k" => {
            exp10 += 3;
            false
        }
        "M" => {
            exp10 += 6;
            false
        }
        "G" => {
            exp10 += 9;
            false
        }
        "T" => {
            exp10 += 12;
            false
        }
        "P" => {
            exp10 += 15;
            false
        }
        "E" => {
            exp10 += 18;
            false
        }
        "Ki" => {
            exp2 = 10;
            true
        }
        "Mi" => {
            exp2 = 20;
            true
        }
        "Gi" => {
            exp2 = 30;
            true
        }
        "Ti" => {
            exp2 = 40;
            true
        }
        "Pi" => {
            exp2 = 50;
            true
        }
        "Ei" => {
            exp2 = 60;
            true
        }
        s if s.starts_with(['e', 'E']) => {
            exp10 = exp10.checked_add(s[1..].parse::<i32>().ok()?)?;
            false
        }
        _ => return None,
    };
    if mantissa == 0 {
        return Some("0".into());
    }
    let sign = if negative { "-" } else { "" };
    if binary {
        // Exact bytes when integral; else fall back to decimal.
        let mut value = mantissa.checked_mul(1i128.checked_shl(exp2 as u32)?)?;
        let mut e = exp10;
        while e < 0 && value % 10 == 0 {
            value /= 10;
            e += 1;
        }
        if e == 0 && value >= 1024 {
            let suffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];
            let mut power = 0;
            while power < 6 && value % 1024 == 0 {
                value /= 1024;
                power += 1;
            }
            return Some(format!("{sign}{value}{}", suffixes[power]));
        }
        mantissa = mantissa.checked_mul(1i128.checked_shl(exp2 as u32)?)?;
    }
    // Decimal SI: the largest exponent (a multiple of 3, from n to E) that
    // keeps the mantissa integral.
    while mantissa % 10 == 0 {
        mantissa /= 10;
        exp10 = exp10.checked_add(1)?;
    }
    // Clamped before multiplying back, so that no exponent overflows.
    let exp3 = exp10.div_euclid(3).clamp(-3, 6) * 3;
    let shift = exp10 - exp3;
    if shift < 0 {
        // Below nano: Kubernetes rounds up to 1n.
        return Some(format!("{sign}1n"));
    }
    let value = mantissa.checked_mul(10i128.checked_pow(shift as u32)?)?;
    let suffix = match exp3 {
        -9 => "n",
        -6 => "u",
        -3 => "m",
        0 => "",
        3 => "k",
        6 => "M",
        9 => "G",
        12 => "T",
        15 => "P",
        _ => "E",
    };
    Some(format!("{sign}{value}{suffix}"))
}

#[cfg(test)]
mod tests {
    use super::canonical;

    #[test]
    fn canonical_forms() {
        for (input, want) in [
            ("2000m", "2"),
            ("100m", "100m"),
            ("1024Mi", "1Gi"),
            ("128Mi", "128Mi"),
            ("0.5", "500m"),
            ("1.5", "1500m"),
            ("1", "1"),
            ("0", "0"),
            ("1000", "1k"),
            ("1500", "1500"),
            ("512", "512"),
            ("1Gi", "1Gi"),
            ("1536Mi", "1536Mi"),
            ("2048", "2048"),
            ("1e3", "1k"),
            ("3", "3"),
        ] {
            assert_eq!(canonical(input).as_deref(), Some(want), "{input}");
        }
        assert_eq!(canonical("abc"), None);
        assert_eq!(canonical("1Zi"), None);
    }

    /// Exponents at the ends of i32 are no quantity we can write, not an
    /// overflow (a panic in debug builds; fuzz/regressions/kube_inject).
    #[test]
    fn extreme_exponents_do_not_overflow() {
        assert_eq!(canonical("10e2147483647"), None);
        assert_eq!(canonical("0.1e-2147483648"), None);
        assert_eq!(canonical("1e-2147483648").as_deref(), Some("1n"));
        assert_eq!(canonical("1e2147483647"), None);
        assert_eq!(canonical("1e-12").as_deref(), Some("1n"));
    }
}
