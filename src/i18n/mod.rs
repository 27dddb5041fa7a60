//! The languages gongzhi speaks and its message catalogues: zh-CN first, English beside it.
//!
//! Every text a reader sees lives in `locales/<tag>/*.ftl` (Fluent syntax), one directory per
//! language, embedded at compile time by `build.rs`. The domain and the services speak in codes
//! with arguments; the web and mail layers (and the exports) turn them into words here, in the
//! reader's language — [`words`] holds the renderings of the domain's codes.
//!
//! [`Lang::t`] answers a message without arguments from a table built once (one hash lookup);
//! [`Lang::tr`] formats a message with arguments through Fluent. A test (`every_id_*` below)
//! fails on an id missing in a language, on an id the code uses that no catalogue defines, and on
//! an id nothing uses. Adding a language: see `docs/i18n.md`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

pub mod words;

mod sources {
    include!(concat!(env!("OUT_DIR"), "/locales.rs"));
}

/// The languages gongzhi speaks. Each has a directory `locales/<tag>/` of the same catalogue
/// files; [`Lang::ALL`] lists them in the order emails show them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// 简体中文, the default.
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// Every language, the default first (emails carry them in this order).
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// The BCP 47 tag: the value of `<html lang>` and the name of the catalogue directory.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The short code of `?lang=` and the `lang` cookie: the tag's primary subtag.
    pub fn code(self) -> &'static str {
        let tag = self.tag();
        tag.split('-').next().unwrap_or(tag)
    }

    /// Parses a language tag loosely by its primary subtag: `en-GB` is English, `zh-Hans-CN`
    /// Chinese; a language gongzhi does not speak is `None`.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let t = tag.trim().to_ascii_lowercase();
        let primary = t.split(['-', '_']).next().unwrap_or("");
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// The other languages, for the language switch.
    pub fn others(self) -> impl Iterator<Item = Lang> {
        Lang::ALL.into_iter().filter(move |l| *l != self)
    }

    fn index(self) -> usize {
        Lang::ALL.iter().position(|l| *l == self).unwrap_or(0)
    }

    /// Chooses between two texts that arrive as data in both languages (a field error built by a
    /// service, a name in the committee's policy file); catalogue texts use [`Lang::t`].
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// The message `id` without arguments, from a table built once. An id this language lacks
    /// falls back to the default language, then to `"??"` (the catalogue test keeps both from
    /// happening).
    pub fn t(self, id: &str) -> &'static str {
        let c = &*CATALOGUE;
        c.plain[self.index()]
            .get(id)
            .or_else(|| c.plain[0].get(id))
            .map_or("??", String::as_str)
    }

    /// The message `id` formatted with `args` (Fluent variables `{ $name }`).
    pub fn tr(self, id: &str, args: &[(&str, Arg)]) -> String {
        let c = &*CATALOGUE;
        let mut fluent = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            fluent.set(*name, value.to_fluent());
        }
        for bundle in [&c.bundles[self.index()], &c.bundles[0]] {
            if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                let text = bundle.format_pattern(pattern, Some(&fluent), &mut errors);
                if !errors.is_empty() {
                    tracing::warn!(id, ?errors, "message formatted with errors");
                }
                return text.into_owned();
            }
        }
        "??".to_string()
    }
}

/// A value for a message's variable: text (dates, names, numbers already formatted) or a whole
/// number (which Fluent can also select a plural form by).
#[derive(Debug, Clone)]
pub enum Arg<'a> {
    /// Shown as is.
    Text(Cow<'a, str>),
    /// A whole number.
    Number(i64),
}

impl Arg<'_> {
    fn to_fluent(&self) -> FluentValue<'_> {
        match self {
            Arg::Text(t) => FluentValue::from(t.as_ref()),
            Arg::Number(n) => FluentValue::from(*n),
        }
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Text(Cow::Borrowed(s))
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(s: &'a String) -> Self {
        Arg::Text(Cow::Borrowed(s))
    }
}

impl From<String> for Arg<'_> {
    fn from(s: String) -> Self {
        Arg::Text(Cow::Owned(s))
    }
}

impl From<chrono::NaiveDate> for Arg<'_> {
    fn from(d: chrono::NaiveDate) -> Self {
        Arg::Text(Cow::Owned(d.to_string()))
    }
}

macro_rules! number_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg<'_> {
            fn from(n: $t) -> Self {
                Arg::Number(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    )*};
}
number_arg!(i32, i64, u8, u32, usize);

/// The parsed catalogues: one Fluent bundle per language, and the table of its messages that
/// take no arguments.
struct Catalogue {
    bundles: Vec<FluentBundle<FluentResource>>,
    plain: Vec<HashMap<String, String>>,
}

static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| {
    let mut bundles = Vec::new();
    let mut plain = Vec::new();
    for lang in Lang::ALL {
        let tag: unic_langid::LanguageIdentifier = lang.tag().parse().unwrap_or_default();
        let mut bundle = FluentBundle::new_concurrent(vec![tag]);
        // No Unicode isolation marks around placeables: they would show in HTML and emails.
        bundle.set_use_isolating(false);
        let mut ids = Vec::new();
        for (file, text) in files(lang) {
            let resource = match FluentResource::try_new(text.to_string()) {
                Ok(r) => r,
                Err((r, errors)) => {
                    tracing::error!(lang = lang.tag(), file, ?errors, "catalogue syntax errors");
                    r
                }
            };
            ids.extend(message_ids(&resource));
            if let Err(errors) = bundle.add_resource(resource) {
                tracing::error!(lang = lang.tag(), file, ?errors, "catalogue conflicts");
            }
        }
        let mut table = HashMap::with_capacity(ids.len());
        for id in ids {
            if let Some(pattern) = bundle.get_message(&id).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                let text = bundle.format_pattern(pattern, None, &mut errors);
                // A message that needs arguments fails without them: it is for `tr` only.
                if errors.is_empty() {
                    table.insert(id, text.into_owned());
                }
            }
        }
        bundles.push(bundle);
        plain.push(table);
    }
    Catalogue { bundles, plain }
});

/// The catalogue files of `lang`: (file name, contents).
pub fn files(lang: Lang) -> &'static [(&'static str, &'static str)] {
    sources::SOURCES
        .iter()
        .find(|(dir, _)| *dir == lang.tag())
        .map_or(&[], |(_, files)| files)
}

/// The directories under `locales/`, whether or not [`Lang`] knows them (a test compares).
pub fn directories() -> impl Iterator<Item = &'static str> {
    sources::SOURCES.iter().map(|(dir, _)| *dir)
}

/// The ids of the messages (not terms) a resource defines, in order.
fn message_ids(resource: &FluentResource) -> Vec<String> {
    resource
        .entries()
        .filter_map(|e| match e {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests;
