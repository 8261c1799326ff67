//! Credits checked against crates.io: whether a nominator is among a crate's owners decides
//! "self-suggestion" (an owner is thanked for the self-suggestion, ticked or not), and a
//! nominator who says so without being one is shown on the desk; the word stands either way.

/// What the owners check says of a nominator (`domain`'s words, stored on the credit).
pub fn owner_check(owners: Option<&[String]>, login: &str, says_self: bool) -> OwnerCheck {
    match owners {
        None => OwnerCheck::Unchecked,
        Some(list) if list.iter().any(|o| o.eq_ignore_ascii_case(login)) => OwnerCheck::Owner,
        Some(_) if says_self => OwnerCheck::NotOwner,
        Some(_) => OwnerCheck::NotClaimed,
    }
}

/// The result of checking a nominator against a crate's owners on crates.io.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerCheck {
    /// An owner: thanked for the self-suggestion, ticked or not.
    Owner,
    /// Said "I work on this crate" but is not an owner: the word stands, the desk says so.
    NotOwner,
    /// Did not say so and is not an owner.
    NotClaimed,
    /// crates.io did not answer: the word stands, checked again later.
    Unchecked,
}

impl OwnerCheck {
    /// How the credit stores it (`nominators.owner_check`).
    pub fn as_stored(self) -> Option<&'static str> {
        match self {
            OwnerCheck::Owner => Some("owner"),
            OwnerCheck::NotOwner => Some("not_owner"),
            OwnerCheck::NotClaimed => None,
            OwnerCheck::Unchecked => Some("unchecked"),
        }
    }

    /// Whether the credit reads "self-suggestion".
    pub fn self_suggestion(self, says_self: bool) -> bool {
        self == OwnerCheck::Owner || says_self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_owner_is_a_self_suggestion_whatever_was_ticked() {
        let owners = vec!["Alice".to_string(), "github:rust-lang:libs".to_string()];
        let check = owner_check(Some(&owners), "alice", false);
        assert_eq!(check, OwnerCheck::Owner);
        assert!(check.self_suggestion(false));
        let check = owner_check(Some(&owners), "bob", true);
        assert_eq!(check, OwnerCheck::NotOwner);
        assert!(check.self_suggestion(true), "the nominator's word stands");
        assert_eq!(owner_check(Some(&owners), "bob", false), OwnerCheck::NotClaimed);
        assert_eq!(owner_check(None, "bob", true), OwnerCheck::Unchecked);
        assert_eq!(OwnerCheck::NotClaimed.as_stored(), None);
    }
}
