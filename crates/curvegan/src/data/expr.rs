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
//! The text is parsed once, here, into a tree, which is then flattened into a postfix program
//! (`x 2 ^ neg` for `-x^2`) and evaluated with a small stack: no recursion at evaluation time,
//! one pass over the program per x. Every operation is the f64 one of the standard library
//! (`^` is [`f64::powf`], `min`/`max` are [`f64::min`]/[`f64::max`], `log` is [`f64::ln`]),
//! applied in the order the grammar gives; nothing is reordered or folded.
//!
//! ```
//! use curvegan::data::expr::Formula;
//!
//! let f = Formula::parse("a*sin(b*x)", &["a", "b"]).unwrap();
//! let y = f.eval(0.5, &[2.0, 3.0]).unwrap();
//! assert!((y - 2.0 * (1.5f64).sin()).abs() < 1e-12);
//! assert!(Formula::parse("a*sin(b*x", &["a", "b"]).unwrap_err().to_string().contains("position 10"));
//! ```

use crate::error::{Error, Result};
use crate::text::echo;

/// The option a formula comes from, named in its errors.
const OPTION: &str = "target";

/// How deeply parentheses, function calls and unary signs may nest.
const MAX_DEPTH: usize = 64;

/// The most tokens a formula may have: a chain of `+`, `*`… makes a tree as tall as it is
/// long, which compiling and dropping walk recursively, so its length bounds their stack.
const MAX_TOKENS: usize = 10_000;

/// Functions of one argument, each the `f64` method of that name (`log` is `ln`).
pub const UNARY_FUNCTIONS: [&str; 26] = [
    "abs", "signum", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh",
    "acosh", "atanh", "floor", "ceil", "round", "trunc", "fract", "exp", "sqrt", "cbrt", "ln",
    "log", "log2", "log10",
];

/// Functions of two arguments: `atan2(y, x)`, `min(a, b)`, `max(a, b)`, the `f64` methods.
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
            "'{}' is not a name (letters, digits and '_', not starting with a digit)",
            echo(name)
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

/// A function of one f64, as a step of a compiled formula.
type Unary = fn(f64) -> f64;
/// A function of two f64s (`a op b`, `f(a, b)`), as a step of a compiled formula.
type Binary = fn(f64, f64) -> f64;

/// The standard-library function a one-argument name stands for.
fn unary_function(name: &str) -> Option<Unary> {
    Some(match name {
        "abs" => f64::abs,
        "signum" => f64::signum,
        "sin" => f64::sin,
        "cos" => f64::cos,
        "tan" => f64::tan,
        "asin" => f64::asin,
        "acos" => f64::acos,
        "atan" => f64::atan,
        "sinh" => f64::sinh,
        "cosh" => f64::cosh,
        "tanh" => f64::tanh,
        "asinh" => f64::asinh,
        "acosh" => f64::acosh,
        "atanh" => f64::atanh,
        "floor" => f64::floor,
        "ceil" => f64::ceil,
        "round" => f64::round,
        "trunc" => f64::trunc,
        "fract" => f64::fract,
        "exp" => f64::exp,
        "sqrt" => f64::sqrt,
        "cbrt" => f64::cbrt,
        // `log` is the natural logarithm.
        "ln" | "log" => f64::ln,
        "log2" => f64::log2,
        "log10" => f64::log10,
        _ => return None,
    })
}

/// The standard-library function a two-argument name stands for.
fn binary_function(name: &str) -> Option<Binary> {
    Some(match name {
        "atan2" => f64::atan2,
        "min" => f64::min,
        "max" => f64::max,
        _ => return None,
    })
}

/// The function an operator character stands for (`^` is [`f64::powf`]).
fn operator(op: char) -> Binary {
    match op {
        '+' => |a, b| a + b,
        '-' => |a, b| a - b,
        '*' => |a, b| a * b,
        '/' => |a, b| a / b,
        _ => f64::powf,
    }
}

/// One step of a compiled formula: push a value, or replace the top one or two values of the
/// stack by a function of them.
#[derive(Debug, Clone, Copy)]
enum Step {
    Num(f64),
    /// 0 for x, 1 + i for parameter i.
    Var(usize),
    Call1(Unary),
    /// `f(below, top)`.
    Call2(Binary),
}

/// A compiled formula in `x` and named parameters.
#[derive(Debug, Clone)]
pub struct Formula {
    text: String,
    params: Vec<String>,
    /// The tree flattened to postfix: `x 2 ^ neg` for `-x^2`.
    program: Vec<Step>,
    /// The most values on the stack at once while the program runs.
    depth: usize,
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
                return Err(Error::config("target.params", why));
            }
            if params[..i].contains(name) {
                return Err(Error::config(
                    "target.params",
                    format!("'{}' is declared twice", echo(name)),
                ));
            }
        }
        let tokens = tokenize(text)?;
        // `tokens` ends with Tok::End.
        if tokens.len() > MAX_TOKENS + 1 {
            return Err(Error::config(
                OPTION,
                format!(
                    "the formula has {} tokens (numbers, names, operators); at most {MAX_TOKENS} are allowed",
                    tokens.len() - 1
                ),
            ));
        }
        let mut parser = Parser {
            text,
            tokens: &tokens,
            at: 0,
            params,
            depth: 0,
        };
        let node = parser.parse()?;
        let mut program = Vec::new();
        node.compile(&mut program);
        let mut used = vec![false; params.len() + 1];
        let (mut depth, mut height) = (0, 0usize);
        for step in &program {
            match step {
                Step::Var(s) => {
                    used[*s] = true;
                    height += 1;
                }
                Step::Num(_) => height += 1,
                Step::Call1(_) => {}
                Step::Call2(_) => height -= 1,
            }
            depth = depth.max(height);
        }
        if let Some(i) = (1..used.len()).find(|&i| !used[i]) {
            return Err(Error::config(
                "target.params",
                format!(
                    "'{}' is declared but not used in the formula \"{}\"",
                    echo(params[i - 1]),
                    echo(text)
                ),
            ));
        }
        Ok(Formula {
            text: text.to_string(),
            params: params.iter().map(|p| p.to_string()).collect(),
            program,
            depth,
        })
    }

    /// Steps of the compiled program, what one evaluation at one x costs.
    pub fn cost(&self) -> usize {
        self.program.len()
    }

    /// The formula as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The parameter names, in the order [`Formula::eval`] takes their values.
    pub fn params(&self) -> &[String] {
        &self.params
    }

    /// `f(x; params)` in f64. `params` must hold one value per parameter, in declaration
    /// order. The value may be NaN or infinite (e.g. `ln(x)` at 0): the caller checks.
    pub fn eval(&self, x: f64, params: &[f64]) -> Result<f64> {
        self.check_params(params)?;
        Ok(self.run(x, params, &mut Vec::with_capacity(self.depth)))
    }

    fn check_params(&self, params: &[f64]) -> Result<()> {
        if params.len() != self.params.len() {
            return Err(Error::Shape(format!(
                "formula \"{}\" has {} parameters, got {} values",
                echo(&self.text),
                self.params.len(),
                params.len()
            )));
        }
        Ok(())
    }

    /// Runs the program at `x` with `stack` as scratch space; `params` has been checked.
    fn run(&self, x: f64, params: &[f64], stack: &mut Vec<f64>) -> f64 {
        stack.clear();
        // The parser emits a well-formed program, so the stack never runs dry; NaN stands in
        // rather than a panic.
        fn pop(stack: &mut Vec<f64>) -> f64 {
            stack.pop().unwrap_or(f64::NAN)
        }
        for step in &self.program {
            let v = match *step {
                Step::Num(v) => v,
                Step::Var(0) => x,
                Step::Var(s) => params[s - 1],
                Step::Call1(f) => f(pop(stack)),
                Step::Call2(f) => {
                    let b = pop(stack);
                    f(pop(stack), b)
                }
            };
            stack.push(v);
        }
        pop(stack)
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
        self.check_params(params)?;
        let mut stack = Vec::with_capacity(self.depth);
        for (o, &x) in out.iter_mut().zip(xs) {
            let y = self.run(x, params, &mut stack);
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
            Tok::Name(n) => format!("'{}'", echo(n)),
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
        format!(
            "syntax error at position {pos} of \"{}\": {message}",
            echo(text)
        ),
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
#[derive(Debug, Clone)]
enum Node {
    Num(f64),
    /// 0 for x, 1 + i for parameter i.
    Var(usize),
    Neg(Box<Node>),
    /// `a op b` for one of `+ - * / ^`.
    Bin(char, Box<Node>, Box<Node>),
    Call1(Unary, Box<Node>),
    Call2(Binary, Box<Node>, Box<Node>),
}

impl Node {
    /// Appends the node in postfix order: operands first, then the operation.
    fn compile(&self, program: &mut Vec<Step>) {
        match self {
            Node::Num(v) => program.push(Step::Num(*v)),
            Node::Var(s) => program.push(Step::Var(*s)),
            Node::Neg(a) => {
                a.compile(program);
                program.push(Step::Call1(|a| -a));
            }
            Node::Call1(f, a) => {
                a.compile(program);
                program.push(Step::Call1(*f));
            }
            Node::Bin(op, a, b) => {
                a.compile(program);
                b.compile(program);
                program.push(Step::Call2(operator(*op)));
            }
            Node::Call2(f, a, b) => {
                a.compile(program);
                b.compile(program);
                program.push(Step::Call2(*f));
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
                        echo(&self.params.join(", "))
                    };
                    Err(Error::config(
                        OPTION,
                        format!(
                            "unknown name '{}' at position {} of \"{}\": not x, a `target.params` \
                             ({declared}) or a constant (pi, tau, e)",
                            echo(&name),
                            t.pos,
                            echo(self.text)
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
            let at = format!("at position {pos} of \"{}\"", echo(self.text));
            let shown = echo(name);
            let message = if name == "x" || self.params.contains(&name) {
                format!("'{shown}' {at} is a variable, not a function (write {shown}*(...))")
            } else {
                format!(
                    "unknown function '{shown}' {at} (known: {})",
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
        let mut args = args.into_iter().map(Box::new);
        match (args.next(), args.next()) {
            (Some(a), None) => unary_function(name).map(|f| Node::Call1(f, a)),
            (Some(a), Some(b)) => binary_function(name).map(|f| Node::Call2(f, a, b)),
            _ => None,
        }
        .ok_or_else(|| self.error(pos, format!("'{name}' has no {arity}-argument form")))
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
        let f = Formula::parse("zeta - alpha*x", &["zeta", "alpha"]).unwrap();
        assert_eq!(f.eval(2.0, &[10.0, 3.0]).unwrap(), 4.0);
    }

    #[test]
    fn a_param_named_like_a_function_is_rejected() {
        assert!(Formula::parse("sin*x", &["sin"]).is_err());
        let f = Formula::parse("PI_2*x", &["PI_2"]).unwrap();
        assert_eq!(f.eval(2.0, &[1.5]).unwrap(), 3.0);
    }

    /// Each case next to the same computation written in Rust: a precedence or associativity
    /// mistake changes the value.
    #[test]
    fn precedence_and_associativity_match_rust() {
        let (x, a, b) = (0.7f64, 1.3f64, -2.1f64);
        let f = |text: &str| {
            Formula::parse(text, &["a", "b"])
                .unwrap()
                .eval(x, &[a, b])
                .unwrap()
        };
        for (text, expected) in [
            ("a + b*x", a + b * x),
            ("a*x + b", a * x + b),
            ("a - b - x", (a - b) - x),
            ("a / b / x", (a / b) / x),
            ("a / b * x", (a / b) * x),
            ("a - b + x", (a - b) + x),
            ("a^b^x", a.powf(b.powf(x))),
            ("a*x^2 + b", a * x.powf(2.0) + b),
            ("-a^2 + b", -(a.powf(2.0)) + b),
            ("-a*b", -a * b),
            ("a^-x*b", a.powf(-x) * b),
            ("(a + b)*x", (a + b) * x),
            ("a - -b + x", a - (-b) + x),
            ("--a + b*x", a + b * x),
            ("x**a**b", x.powf(a.powf(b))),
            ("2*a/b - x^3 + a", 2.0 * a / b - x.powf(3.0) + a),
            ("sin(a*x)^2 + b", (a * x).sin().powf(2.0) + b),
            ("min(a, b)*max(a, x) + b", a.min(b) * a.max(x) + b),
            ("atan2(b, a*x)", b.atan2(a * x)),
        ] {
            assert_eq!(f(text).to_bits(), expected.to_bits(), "{text}");
        }
    }

    /// Every function at several points, bit for bit against the standard library, NaN where
    /// std gives NaN.
    #[test]
    fn every_function_is_the_std_one() {
        for x in [-2.5f64, -1.0, -0.3, 0.0, 0.5, 1.0, 3.7, 100.0] {
            for name in UNARY_FUNCTIONS {
                let f = unary_function(name).unwrap();
                let got = eval(&format!("{name}(x)"), x);
                let want = f(x);
                assert!(
                    got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                    "{name}({x}): {got} vs {want}"
                );
            }
            for y in [-1.5f64, 0.0, 2.0] {
                let f = Formula::parse("atan2(x, a) + min(x, a) * max(a, x)", &["a"]).unwrap();
                let want = x.atan2(y) + x.min(y) * y.max(x);
                assert_eq!(
                    f.eval(x, &[y]).unwrap().to_bits(),
                    want.to_bits(),
                    "{x} {y}"
                );
                let f = Formula::parse("x^a", &["a"]).unwrap();
                let want = x.powf(y);
                let got = f.eval(x, &[y]).unwrap();
                assert!(got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()));
            }
        }
        assert_eq!(
            eval("log(x)", 10.0),
            10f64.ln(),
            "log is the natural logarithm"
        );
        for name in BINARY_FUNCTIONS {
            assert!(binary_function(name).is_some(), "{name}");
        }
    }

    #[test]
    fn wrong_number_of_values_is_an_error() {
        let f = Formula::parse("a*x", &["a"]).unwrap();
        assert!(f.eval(1.0, &[]).is_err());
        assert!(f.eval_curve(&[1.0], &[1.0, 2.0], &mut [0.0]).is_err());
        assert!(f.eval_curve(&[1.0], &[1.0], &mut [0.0, 0.0]).is_err());
    }

    #[test]
    fn long_flat_sums_evaluate_without_deep_recursion() {
        let text = vec!["x"; 5_000].join(" + ");
        assert_eq!(eval(&text, 1.0), 5_000.0);
    }

    /// Found by fuzzing: a sum of 100000 terms overflowed the stack when compiled.
    #[test]
    fn overlong_formulas_are_refused() {
        let text = vec!["x"; 100_000].join("+");
        let e = Formula::parse(&text, &[]).unwrap_err().to_string();
        assert!(e.contains("199999 tokens"), "{e}");
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
            assert!(err.contains("target"), "{err}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        // 1000 levels: within MAX_TOKENS, so the nesting is what is refused.
        let text = format!("{}x{}", "(".repeat(1_000), ")".repeat(1_000));
        let err = Formula::parse(&text, &[]).unwrap_err().to_string();
        assert!(err.contains("nested"), "{err}");
        let text = format!("{}x", "-".repeat(10_000));
        assert!(Formula::parse(&text, &[]).is_err());
    }
}
