//! Formulas of a curve target: `y = f(x; a, b, …)`, written as text such as `a*sin(b*x)`.
//!
//! A [`Formula`] is compiled once from its text and a list of parameter names, then evaluated
//! in f64 at every x of a sample: `yᵢ = f(xᵢ; p)` for `i` in `0..points`, with the parameter
//! values `p` (`[n_params]`) of that sample.
//!
//! The grammar, with the usual precedence (tightest first):
//!
//! ```text
//! primary  := NUMBER | NAME | FUNCTION '(' expr {',' expr} ')' | '(' expr ')'
//! power    := primary [('^' | '**') unary]     right-associative: 2^3^2 = 2^9
//! unary    := ('-' | '+') unary | power         -x^2 = -(x^2), 2^-x = 2^(-x)
//! term     := unary {('*' | '/') unary}         left-associative
//! expr     := term {('+' | '-') term}           left-associative
//! ```
//!
//! - `NUMBER`: `3`, `0.5`, `.5`, `1e-3`, `2.5E+2`.
//! - `NAME`: `x`, a declared parameter, or a constant: `pi` (`PI`, `π`), `tau` (`TAU`, `τ`),
//!   `e` (`E`). Any other name is an error that names it and its position.
//! - Functions of one argument: `abs signum sin cos tan asin acos atan sinh cosh tanh asinh
//!   acosh atanh floor ceil round trunc fract exp sqrt cbrt ln log log2 log10` (`log` is the
//!   natural logarithm, like `ln`); of two: `atan2(y, x)`, `min(a, b)`, `max(a, b)`.
//!
//! A syntax error names its position: the 1-based character position in the text, e.g.
//! `syntax error at position 10 of "a*sin(b*x": expected ')' to close the '(' at position 6,
//! found the end of the formula`.
//!
//! The text is checked and parsed here, and then handed, fully parenthesised, to the
//! [`exmex`] crate, which compiles it to a flat list of operations and evaluates it. The
//! parenthesising fixes the precedence above: exmex on its own would read `-x^2` as
//! `(-x)^2`, reports no positions, and does not read `1e-3`.
//!
//! ```
//! use curvegan::data::expr::Formula;
//!
//! let f = Formula::parse("a*sin(b*x)", &["a", "b"]).unwrap();
//! let y = f.eval(0.5, &[2.0, 3.0]).unwrap();
//! assert!((y - 2.0 * (1.5f64).sin()).abs() < 1e-12);
//! assert!(Formula::parse("a*sin(b*x", &["a", "b"]).unwrap_err().to_string().contains("position 10"));
//! ```

use std::fmt::Write as _;

use exmex::prelude::*;

use crate::error::{Error, Result};

/// The option a formula comes from, named in its errors.
const OPTION: &str = "--target";

/// How deeply parentheses, function calls and unary signs may nest.
const MAX_DEPTH: usize = 64;

/// Functions of one argument, as exmex names them.
pub const UNARY_FUNCTIONS: [&str; 26] = [
    "abs", "signum", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh",
    "acosh", "atanh", "floor", "ceil", "round", "trunc", "fract", "exp", "sqrt", "cbrt", "ln",
    "log", "log2", "log10",
];

/// Functions of two arguments.
pub const BINARY_FUNCTIONS: [&str; 3] = ["atan2", "min", "max"];

/// Named constants and their values.
pub const CONSTANTS: [(&str, f64); 8] = [
    ("pi", std::f64::consts::PI),
    ("PI", std::f64::consts::PI),
    ("π", std::f64::consts::PI),
    ("tau", std::f64::consts::TAU),
    ("TAU", std::f64::consts::TAU),
    ("τ", std::f64::consts::TAU),
    ("e", std::f64::consts::E),
    ("E", std::f64::consts::E),
];

/// The number of arguments of a builtin function, or `None` if `name` is not one.
pub fn function_arity(name: &str) -> Option<usize> {
    if UNARY_FUNCTIONS.contains(&name) {
        Some(1)
    } else if BINARY_FUNCTIONS.contains(&name) {
        Some(2)
    } else {
        None
    }
}

/// The value of a named constant, or `None` if `name` is not one.
pub fn constant(name: &str) -> Option<f64> {
    CONSTANTS.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
}

/// Why `name` cannot name a parameter (the variable `x`, a constant, a function, or not an
/// identifier `[A-Za-z_][A-Za-z0-9_]*`), or `None` if it can.
pub fn reserved_name(name: &str) -> Option<String> {
    let mut chars = name.chars();
    let ident = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ident {
        Some(format!(
            "'{name}' is not a name (letters, digits and '_', not starting with a digit)"
        ))
    } else if name == "x" {
        Some("'x' is the curve's variable, not a parameter".into())
    } else if constant(name).is_some() {
        Some(format!("'{name}' is a built-in constant"))
    } else if function_arity(name).is_some() {
        Some(format!("'{name}' is a built-in function"))
    } else {
        None
    }
}

/// A compiled formula in `x` and named parameters.
#[derive(Debug, Clone)]
pub struct Formula {
    text: String,
    params: Vec<String>,
    /// The fully parenthesised text handed to exmex.
    canonical: String,
    compiled: exmex::FlatEx<f64>,
    /// For each exmex variable (in exmex's order): 0 for x, 1 + i for parameter i.
    slots: Vec<usize>,
}

impl PartialEq for Formula {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text && self.params == other.params
    }
}

impl Formula {
    /// Checks and compiles `text`, a formula in `x` and the parameters `params` (in this
    /// order in [`Formula::eval`]). A syntax error names its position; a name that is not `x`,
    /// a parameter, a constant or a function is an error naming it; so is a parameter the
    /// formula does not use, or a parameter name that is reserved (see [`reserved_name`]).
    pub fn parse(text: &str, params: &[&str]) -> Result<Self> {
        for (i, name) in params.iter().enumerate() {
            if let Some(why) = reserved_name(name) {
                return Err(Error::config("--param", why));
            }
            if params[..i].contains(name) {
                return Err(Error::config(
                    "--param",
                    format!("'{name}' is declared twice"),
                ));
            }
        }
        let tokens = tokenize(text)?;
        let mut parser = Parser {
            text,
            tokens: &tokens,
            at: 0,
            params,
            depth: 0,
        };
        let node = parser.parse()?;
        let mut used = vec![false; params.len() + 1];
        node.mark_used(&mut used);
        if let Some(i) = (1..used.len()).find(|&i| !used[i]) {
            return Err(Error::config(
                "--param",
                format!(
                    "'{}' is declared but not used in the formula \"{text}\"",
                    params[i - 1]
                ),
            ));
        }
        let mut canonical = String::new();
        node.write(&mut canonical, params);
        let compiled = exmex::parse::<f64>(&canonical).map_err(|e| {
            Error::config(
                OPTION,
                format!("the expression engine rejected \"{text}\" (as \"{canonical}\"): {e}"),
            )
        })?;
        let slots = compiled
            .var_names()
            .iter()
            .map(|v| {
                if v == "x" {
                    Ok(0)
                } else {
                    params.iter().position(|p| p == v).map(|i| i + 1).ok_or_else(|| {
                        Error::config(
                            OPTION,
                            format!("the expression engine found an unknown name '{v}' in \"{text}\""),
                        )
                    })
                }
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Formula {
            text: text.to_string(),
            params: params.iter().map(|p| p.to_string()).collect(),
            canonical,
            compiled,
            slots,
        })
    }

    /// The formula as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The parameter names, in the order [`Formula::eval`] takes their values.
    pub fn params(&self) -> &[String] {
        &self.params
    }

    /// The fully parenthesised form that is compiled, e.g. `((-(({x})^(2))))` for `-x^2`.
    pub fn canonical(&self) -> &str {
        &self.canonical
    }

    /// `f(x; params)` in f64. `params` must hold one value per parameter, in declaration
    /// order. The value may be NaN or infinite (e.g. `ln(x)` at 0): the caller checks.
    pub fn eval(&self, x: f64, params: &[f64]) -> Result<f64> {
        let mut vars = Vec::with_capacity(self.slots.len());
        self.eval_with(x, params, &mut vars)
    }

    /// [`Formula::eval`] reusing `vars` as scratch space.
    fn eval_with(&self, x: f64, params: &[f64], vars: &mut Vec<f64>) -> Result<f64> {
        if params.len() != self.params.len() {
            return Err(Error::Shape(format!(
                "formula \"{}\" has {} parameters, got {} values",
                self.text,
                self.params.len(),
                params.len()
            )));
        }
        vars.clear();
        vars.extend(
            self.slots
                .iter()
                .map(|&s| if s == 0 { x } else { params[s - 1] }),
        );
        self.compiled
            .eval(vars)
            .map_err(|e| Error::config(OPTION, format!("cannot evaluate \"{}\": {e}", self.text)))
    }

    /// Evaluates the curve at every x of `xs` into `out` (`[xs.len()]`), each value computed
    /// in f64 and rounded to f32. Stops at the first non-finite value and returns its x and
    /// value as `Ok(Some((x, y)))`.
    pub fn eval_curve(
        &self,
        xs: &[f64],
        params: &[f64],
        out: &mut [f32],
    ) -> Result<Option<(f64, f64)>> {
        if out.len() != xs.len() {
            return Err(Error::Shape(format!(
                "curve buffer has {} values for {} x values",
                out.len(),
                xs.len()
            )));
        }
        let mut vars = Vec::with_capacity(self.slots.len());
        for (o, &x) in out.iter_mut().zip(xs) {
            let y = self.eval_with(x, params, &mut vars)?;
            let y32 = y as f32;
            if !y.is_finite() || !y32.is_finite() {
                return Ok(Some((x, y)));
            }
            *o = y32;
        }
        Ok(None)
    }
}

/// A token and its 1-based character position.
#[derive(Debug, Clone, PartialEq)]
struct Token {
    kind: Tok,
    pos: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(f64),
    Name(String),
    /// One of `+ - * / ^` (`**` is read as `^`).
    Op(char),
    Open,
    Close,
    Comma,
    End,
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Num(v) => format!("the number {v}"),
            Tok::Name(n) => format!("'{n}'"),
            Tok::Op(c) => format!("'{c}'"),
            Tok::Open => "'('".into(),
            Tok::Close => "')'".into(),
            Tok::Comma => "','".into(),
            Tok::End => "the end of the formula".into(),
        }
    }
}

fn syntax_error(text: &str, pos: usize, message: impl std::fmt::Display) -> Error {
    Error::config(
        OPTION,
        format!("syntax error at position {pos} of \"{text}\": {message}"),
    )
}

fn tokenize(text: &str) -> Result<Vec<Token>> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let pos = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let kind = if c.is_ascii_digit()
            || (c == '.' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i < chars.len() && chars[i] == '.' {
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
            }
            if i < chars.len() && (chars[i] == 'e' || chars[i] == 'E') {
                let mut j = i + 1;
                if j < chars.len() && (chars[j] == '+' || chars[j] == '-') {
                    j += 1;
                }
                if j < chars.len() && chars[j].is_ascii_digit() {
                    while j < chars.len() && chars[j].is_ascii_digit() {
                        j += 1;
                    }
                    i = j;
                }
            }
            let literal: String = chars[start..i].iter().collect();
            let value: f64 = literal
                .parse()
                .map_err(|_| syntax_error(text, pos, format!("'{literal}' is not a number")))?;
            if !value.is_finite() {
                return Err(syntax_error(
                    text,
                    pos,
                    format!("the number {literal} is too large for f64"),
                ));
            }
            Tok::Num(value)
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            Tok::Name(chars[start..i].iter().collect())
        } else {
            i += 1;
            match c {
                '*' if chars.get(i) == Some(&'*') => {
                    i += 1;
                    Tok::Op('^')
                }
                '+' | '-' | '*' | '/' | '^' => Tok::Op(c),
                '(' => Tok::Open,
                ')' => Tok::Close,
                ',' => Tok::Comma,
                _ => {
                    return Err(syntax_error(
                        text,
                        pos,
                        format!("unexpected character '{c}'"),
                    ))
                }
            }
        };
        tokens.push(Token { kind, pos });
    }
    tokens.push(Token {
        kind: Tok::End,
        pos: chars.len() + 1,
    });
    Ok(tokens)
}

/// The parsed formula.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Num(f64),
    /// 0 for x, 1 + i for parameter i.
    Var(usize),
    Neg(Box<Node>),
    Bin(char, Box<Node>, Box<Node>),
    Call(String, Vec<Node>),
}

impl Node {
    fn mark_used(&self, used: &mut [bool]) {
        match self {
            Node::Num(_) => {}
            Node::Var(s) => used[*s] = true,
            Node::Neg(a) => a.mark_used(used),
            Node::Bin(_, a, b) => {
                a.mark_used(used);
                b.mark_used(used);
            }
            Node::Call(_, args) => args.iter().for_each(|a| a.mark_used(used)),
        }
    }

    /// Writes the node fully parenthesised, in exmex's syntax: variables in braces (so that a
    /// parameter can never be mistaken for one of exmex's operators), numbers in plain decimal
    /// (Rust's shortest round-trip form, which never uses an exponent).
    fn write(&self, s: &mut String, params: &[&str]) {
        match self {
            Node::Num(v) => {
                let _ = write!(s, "({v})");
            }
            Node::Var(0) => s.push_str("{x}"),
            Node::Var(i) => {
                let _ = write!(s, "{{{}}}", params[i - 1]);
            }
            Node::Neg(a) => {
                s.push_str("(-(");
                a.write(s, params);
                s.push_str("))");
            }
            Node::Bin(op, a, b) => {
                s.push_str("((");
                a.write(s, params);
                s.push(')');
                s.push(*op);
                s.push('(');
                b.write(s, params);
                s.push_str("))");
            }
            Node::Call(f, args) => {
                s.push_str(f);
                s.push('(');
                for (k, a) in args.iter().enumerate() {
                    if k > 0 {
                        s.push(',');
                    }
                    s.push('(');
                    a.write(s, params);
                    s.push(')');
                }
                s.push(')');
            }
        }
    }
}

struct Parser<'a> {
    text: &'a str,
    tokens: &'a [Token],
    at: usize,
    params: &'a [&'a str],
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        &self.tokens[self.at.min(self.tokens.len() - 1)]
    }

    fn next(&mut self) -> Token {
        let t = self.peek().clone();
        if self.at < self.tokens.len() - 1 {
            self.at += 1;
        }
        t
    }

    fn error(&self, pos: usize, message: impl std::fmt::Display) -> Error {
        syntax_error(self.text, pos, message)
    }

    fn parse(&mut self) -> Result<Node> {
        if self.peek().kind == Tok::End {
            return Err(Error::config(OPTION, "the formula is empty"));
        }
        let node = self.expr()?;
        let t = self.peek();
        match &t.kind {
            Tok::End => Ok(node),
            Tok::Close => Err(self.error(t.pos, "')' without a matching '('")),
            Tok::Num(_) | Tok::Name(_) | Tok::Open => Err(self.error(
                t.pos,
                format!(
                    "expected an operator before {} (write 2*x, not 2x)",
                    t.kind.describe()
                ),
            )),
            other => Err(self.error(
                t.pos,
                format!(
                    "expected an operator or the end, found {}",
                    other.describe()
                ),
            )),
        }
    }

    fn enter(&mut self, pos: usize) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error(pos, format!("nested more than {MAX_DEPTH} levels deep")));
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Node> {
        let mut node = self.term()?;
        while let Tok::Op(op @ ('+' | '-')) = self.peek().kind {
            self.next();
            let rhs = self.term()?;
            node = Node::Bin(op, Box::new(node), Box::new(rhs));
        }
        Ok(node)
    }

    fn term(&mut self) -> Result<Node> {
        let mut node = self.unary()?;
        while let Tok::Op(op @ ('*' | '/')) = self.peek().kind {
            self.next();
            let rhs = self.unary()?;
            node = Node::Bin(op, Box::new(node), Box::new(rhs));
        }
        Ok(node)
    }

    fn unary(&mut self) -> Result<Node> {
        let t = self.peek().clone();
        match t.kind {
            Tok::Op(sign @ ('+' | '-')) => {
                self.next();
                self.enter(t.pos)?;
                let inner = self.unary()?;
                self.depth -= 1;
                Ok(if sign == '-' {
                    Node::Neg(Box::new(inner))
                } else {
                    inner
                })
            }
            _ => self.power(),
        }
    }

    fn power(&mut self) -> Result<Node> {
        let base = self.primary()?;
        if self.peek().kind == Tok::Op('^') {
            let t = self.next();
            self.enter(t.pos)?;
            let exponent = self.unary()?;
            self.depth -= 1;
            return Ok(Node::Bin('^', Box::new(base), Box::new(exponent)));
        }
        Ok(base)
    }

    fn primary(&mut self) -> Result<Node> {
        let t = self.next();
        match t.kind {
            Tok::Num(v) => Ok(Node::Num(v)),
            Tok::Open => {
                self.enter(t.pos)?;
                let inner = self.expr()?;
                self.depth -= 1;
                self.close(t.pos, "'('")?;
                Ok(inner)
            }
            Tok::Name(name) => {
                if self.peek().kind == Tok::Open {
                    return self.call(&name, t.pos);
                }
                if name == "x" {
                    Ok(Node::Var(0))
                } else if let Some(i) = self.params.iter().position(|p| *p == name) {
                    Ok(Node::Var(i + 1))
                } else if let Some(v) = constant(&name) {
                    Ok(Node::Num(v))
                } else if function_arity(&name).is_some() {
                    Err(self.error(t.pos, format!("'{name}' is a function: write {name}(...)")))
                } else {
                    let declared = if self.params.is_empty() {
                        "none declared".to_string()
                    } else {
                        self.params.join(", ")
                    };
                    Err(Error::config(
                        OPTION,
                        format!(
                            "unknown name '{name}' at position {} of \"{}\": not x, a --param \
                             ({declared}) or a constant (pi, tau, e)",
                            t.pos, self.text
                        ),
                    ))
                }
            }
            other => Err(self.error(
                t.pos,
                format!(
                    "expected a number, a name or '(', found {}",
                    other.describe()
                ),
            )),
        }
    }

    fn call(&mut self, name: &str, pos: usize) -> Result<Node> {
        let Some(arity) = function_arity(name) else {
            let mut known: Vec<&str> = UNARY_FUNCTIONS.to_vec();
            known.extend(BINARY_FUNCTIONS);
            let at = format!("at position {pos} of \"{}\"", self.text);
            let message = if name == "x" || self.params.contains(&name) {
                format!("'{name}' {at} is a variable, not a function (write {name}*(...))")
            } else {
                format!(
                    "unknown function '{name}' {at} (known: {})",
                    known.join(", ")
                )
            };
            return Err(Error::config(OPTION, message));
        };
        let open = self.next(); // '('
        self.enter(open.pos)?;
        let mut args = vec![self.expr()?];
        while self.peek().kind == Tok::Comma {
            self.next();
            args.push(self.expr()?);
        }
        self.depth -= 1;
        self.close(open.pos, &format!("'(' of {name}"))?;
        if args.len() != arity {
            return Err(self.error(
                pos,
                format!(
                    "{name} takes {arity} argument{}, got {}",
                    if arity == 1 { "" } else { "s" },
                    args.len()
                ),
            ));
        }
        Ok(Node::Call(name.to_string(), args))
    }

    fn close(&mut self, open_pos: usize, what: &str) -> Result<()> {
        let t = self.next();
        if t.kind == Tok::Close {
            return Ok(());
        }
        Err(self.error(
            t.pos,
            format!(
                "expected ')' to close the {what} at position {open_pos}, found {}",
                t.kind.describe()
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(text: &str, x: f64) -> f64 {
        Formula::parse(text, &[]).unwrap().eval(x, &[]).unwrap()
    }

    #[test]
    fn precedence_is_mathematical() {
        assert_eq!(eval("-x^2", 3.0), -9.0);
        assert_eq!(eval("2^-x", 1.0), 0.5);
        assert_eq!(eval("2^3^2", 0.0), 512.0);
        assert_eq!(eval("2**3", 0.0), 8.0);
        assert_eq!(eval("8/4/2", 0.0), 1.0);
        assert_eq!(eval("1-2-3", 0.0), -4.0);
        assert_eq!(eval("1-2+3", 0.0), 2.0);
        assert_eq!(eval("2*x^2 + 1", 0.5), 1.5);
        assert_eq!(eval("-(1+x)", 1.0), -2.0);
        assert_eq!(eval("1e-3*x + .5E1", 1000.0), 6.0);
    }

    #[test]
    fn every_function_and_constant_compiles() {
        let x = 0.5f64;
        for f in UNARY_FUNCTIONS {
            let v = eval(&format!("{f}(x)"), x);
            let expected = match f {
                "abs" => x.abs(),
                "signum" => x.signum(),
                "sin" => x.sin(),
                "cos" => x.cos(),
                "tan" => x.tan(),
                "asin" => x.asin(),
                "acos" => x.acos(),
                "atan" => x.atan(),
                "sinh" => x.sinh(),
                "cosh" => x.cosh(),
                "tanh" => x.tanh(),
                "asinh" => x.asinh(),
                "acosh" => x.acosh(),
                "atanh" => x.atanh(),
                "floor" => x.floor(),
                "ceil" => x.ceil(),
                "round" => x.round(),
                "trunc" => x.trunc(),
                "fract" => x.fract(),
                "exp" => x.exp(),
                "sqrt" => x.sqrt(),
                "cbrt" => x.cbrt(),
                "ln" | "log" => x.ln(),
                "log2" => x.log2(),
                "log10" => x.log10(),
                other => panic!("untested function {other}"),
            };
            assert!(
                v == expected || (v.is_nan() && expected.is_nan()),
                "{f}: {v} vs {expected}"
            );
        }
        assert_eq!(eval("atan2(x, 2)", 1.0), 1f64.atan2(2.0));
        assert_eq!(eval("min(x, 2)", 1.0), 1.0);
        assert_eq!(eval("max(x, 2)", 1.0), 2.0);
        for (name, value) in CONSTANTS {
            assert_eq!(eval(&format!("{name}*x"), 1.0), value, "{name}");
        }
    }

    #[test]
    fn params_are_passed_in_declaration_order() {
        // exmex sorts its variables; the slots undo that.
        let f = Formula::parse("zeta - alpha*x", &["zeta", "alpha"]).unwrap();
        assert_eq!(f.eval(2.0, &[10.0, 3.0]).unwrap(), 4.0);
    }

    #[test]
    fn a_param_named_like_an_exmex_operator_is_rejected_or_safe() {
        assert!(Formula::parse("sin*x", &["sin"]).is_err());
        // Braced variables keep names exmex might know (none of ours) unambiguous.
        let f = Formula::parse("PI_2*x", &["PI_2"]).unwrap();
        assert_eq!(f.eval(2.0, &[1.5]).unwrap(), 3.0);
    }

    #[test]
    fn syntax_errors_name_the_position() {
        for (text, pos) in [
            ("a*sin(b*x", "position 10"),
            ("x +* 3", "position 4"),
            ("2x", "position 2"),
            ("x % 2", "position 3"),
            ("(x", "position 3"),
            ("x)", "position 2"),
            ("sin(x, 2)", "position 1"),
            ("x^", "position 3"),
        ] {
            let err = Formula::parse(text, &["a", "b"][..if text.contains('a') { 2 } else { 0 }])
                .unwrap_err()
                .to_string();
            assert!(err.contains(pos), "{text}: {err}");
            assert!(err.contains("--target"), "{err}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let text = format!("{}x{}", "(".repeat(10_000), ")".repeat(10_000));
        let err = Formula::parse(&text, &[]).unwrap_err().to_string();
        assert!(err.contains("nested"), "{err}");
        let text = format!("{}x", "-".repeat(10_000));
        assert!(Formula::parse(&text, &[]).is_err());
    }
}
