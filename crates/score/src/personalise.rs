//! Personalisation: which variant of a page a visitor sees, with its headline and proof point.
//!
//! Variants are keyed by named rules, conditions in the ICP's own form (`{"attribute": ..,
//! "op": ..}`) over the visitor's fields: the account's attributes, its score (`in_sam`,
//! `fit_score`, `tier`) and the UTM parameters of the click (`utm_source`, `utm_campaign`, ...).
//! Never by segment ranks, which change every build. The first variant whose every rule holds
//! wins; a visitor no variant fits gets the default. Headline and proof are templates whose
//! `{field}` or `{field|fallback}` placeholders are filled from the same fields and the nearest
//! customer's (`nearest_customer_name`, `nearest_case_study_url`).

use std::collections::BTreeMap;

use northstar_profile::Rule;
use serde::{Deserialize, Serialize};

/// `[personalise]` of northstar.toml: the named variants, in order, and the default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonaliseSettings {
    /// The variants, tried in order.
    #[serde(default)]
    pub variants: Vec<Variant>,
    /// What a visitor no variant fits sees.
    #[serde(default = "Copy::fallback")]
    pub default: Copy,
}

impl Default for PersonaliseSettings {
    fn default() -> Self {
        Self {
            variants: Vec::new(),
            default: Copy::fallback(),
        }
    }
}

/// One named variant: its rules and its copy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// Its name, as the page knows it.
    pub name: String,
    /// Every rule must hold (an unknown field holds no rule).
    pub when: Vec<Rule>,
    /// The headline and proof templates.
    #[serde(flatten)]
    pub copy: Copy,
}

/// A headline and a proof point, as templates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Copy {
    /// The headline.
    pub headline: String,
    /// The proof point.
    pub proof: String,
}

impl Copy {
    /// The default copy: a line on companies like the visitor's and its nearest customer.
    fn fallback() -> Self {
        Self {
            headline: "Built for {industry|companies} like {name|yours}".into(),
            proof: "{nearest_customer_name|Teams like yours} already run on us: {nearest_case_study_url|ask us for their story}"
                .into(),
        }
    }
}

/// What a visitor sees.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Personalised {
    /// The variant's name; `default` when none fits.
    pub variant: String,
    /// The headline, filled.
    pub headline: String,
    /// The proof point, filled.
    pub proof: String,
}

/// A template that cannot be filled: an unclosed or empty placeholder.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("template `{template}`: {reason}")]
pub struct TemplateError {
    /// The template.
    pub template: String,
    /// What is wrong.
    pub reason: &'static str,
}

impl PersonaliseSettings {
    /// Checks every template, so that a bad one is refused when the settings are read.
    pub fn check(&self) -> Result<(), TemplateError> {
        let copies = self.variants.iter().map(|v| &v.copy).chain([&self.default]);
        for copy in copies {
            fill(&copy.headline, &BTreeMap::new())?;
            fill(&copy.proof, &BTreeMap::new())?;
        }
        Ok(())
    }

    /// The copy for a visitor of `fields` (attributes, score, UTM parameters and the nearest
    /// customer's, blank values left out).
    pub fn choose(&self, fields: &BTreeMap<String, String>) -> Personalised {
        let holds = |rule: &Rule| {
            fields
                .get(&rule.attribute)
                .is_some_and(|v| rule.condition.matches_text(v))
        };
        let (variant, copy) = self
            .variants
            .iter()
            .find(|v| v.when.iter().all(holds))
            .map_or(("default", &self.default), |v| (v.name.as_str(), &v.copy));
        Personalised {
            variant: variant.to_owned(),
            headline: fill(&copy.headline, fields).unwrap_or_default(),
            proof: fill(&copy.proof, fields).unwrap_or_default(),
        }
    }
}

/// `template` with each `{field}` or `{field|fallback}` replaced by the field's value, else the
/// fallback, else nothing; `{{` and `}}` stand for braces.
pub fn fill(template: &str, fields: &BTreeMap<String, String>) -> Result<String, TemplateError> {
    let wrong = |reason| TemplateError {
        template: template.to_owned(),
        reason,
    };
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(at) = rest.find(['{', '}']) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if tail.starts_with('}') {
            return Err(wrong("a `}` closes no placeholder; write `}}` for a brace"));
        }
        let end = tail.find('}').ok_or_else(|| wrong("a `{` is never closed"))?;
        let inner = &tail[1..end];
        let (name, fallback) = inner.split_once('|').unwrap_or((inner, ""));
        if name.trim().is_empty() {
            return Err(wrong("a placeholder names no field"));
        }
        out.push_str(fields.get(name.trim()).map_or(fallback, String::as_str));
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect()
    }

    #[test]
    fn templates_fill_fields_fallbacks_and_braces() {
        let f = fields(&[("name", "Acme"), ("tier", "1")]);
        assert_eq!(
            fill("{name} is tier {tier}; {industry|any industry} {{x}}", &f).unwrap(),
            "Acme is tier 1; any industry {x}"
        );
        assert_eq!(fill("{missing}.", &f).unwrap(), ".");
        assert!(fill("{name", &f).is_err());
        assert!(fill("name}", &f).is_err());
        assert!(fill("{|x}", &f).is_err());
    }

    #[test]
    fn the_first_variant_whose_rules_all_hold_wins_else_the_default() {
        let settings: PersonaliseSettings = toml::from_str(
            r#"
            [[variants]]
            name = "fleet"
            when = [{ attribute = "utm_campaign", op = "in", values = ["fleet-q4"] },
                    { attribute = "employees", op = "between", min = 100 }]
            headline = "Fleets like {name}"
            proof = "{nearest_customer_name} cut costs"
            [[variants]]
            name = "campaign"
            when = [{ attribute = "utm_campaign", op = "in", values = ["fleet-q4"] }]
            headline = "Hello"
            proof = "Proof"
            "#,
        )
        .expect("parses");
        settings.check().expect("templates are sound");
        let big = fields(&[
            ("utm_campaign", "fleet-q4"),
            ("employees", "250"),
            ("name", "Acme"),
            ("nearest_customer_name", "Atlas"),
        ]);
        let chosen = settings.choose(&big);
        assert_eq!(
            (
                chosen.variant.as_str(),
                chosen.headline.as_str(),
                chosen.proof.as_str()
            ),
            ("fleet", "Fleets like Acme", "Atlas cut costs")
        );
        let unknown_size = fields(&[("utm_campaign", "fleet-q4")]);
        assert_eq!(settings.choose(&unknown_size).variant, "campaign");
        let stranger = settings.choose(&BTreeMap::new());
        assert_eq!(stranger.variant, "default");
        assert_eq!(stranger.headline, "Built for companies like yours");
    }
}
