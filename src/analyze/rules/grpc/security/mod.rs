mod istio_mutual_to_plaintext_server;

use crate::analyze::registry::Rule;

pub static RULES: &[&Rule] = &[&istio_mutual_to_plaintext_server::RULE];
