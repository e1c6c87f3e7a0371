//! The partial type's serialization (`expand/partial.rs`): a tuple's
//! partial serializes the present prefix of its elements.

/// Serializes the elements of a tuple's partial up to the last one present
/// (`null` for an absent one before it: it ended without a value), so the
/// JSON of successive snapshots grows like an array's: `[]`, `[1]`,
/// `[1, "a"]`, never `[null, null]` then `[1, null]`.
macro_rules! tuple_prefix {
    ($($name:ident: $($t:ident $v:ident),+;)+) => {$(
        /// Serializes a tuple partial's present prefix (see the module).
        ///
        /// # Errors
        ///
        /// The serializer's.
        #[allow(clippy::too_many_arguments, reason = "one argument per tuple element, as serde's `serialize_with` calls it")]
        pub fn $name<S: serde::Serializer, $($t: serde::Serialize),+>(
            $($v: &Option<$t>,)+
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeTuple;
            let present = [$($v.is_some()),+];
            let len = present.iter().rposition(|p| *p).map_or(0, |i| i + 1);
            let mut tuple = serializer.serialize_tuple(len)?;
            let mut index = 0;
            $(
                if index < len {
                    tuple.serialize_element($v)?;
                }
                index += 1;
            )+
            let _ = index;
            tuple.end()
        }
    )+};
}

tuple_prefix! {
    tuple_prefix_1: A a;
    tuple_prefix_2: A a, B b;
    tuple_prefix_3: A a, B b, C c;
    tuple_prefix_4: A a, B b, C c, D d;
    tuple_prefix_5: A a, B b, C c, D d, E e;
    tuple_prefix_6: A a, B b, C c, D d, E e, F f;
    tuple_prefix_7: A a, B b, C c, D d, E e, F f, G g;
    tuple_prefix_8: A a, B b, C c, D d, E e, F f, G g, H h;
    tuple_prefix_9: A a, B b, C c, D d, E e, F f, G g, H h, I i;
    tuple_prefix_10: A a, B b, C c, D d, E e, F f, G g, H h, I i, J j;
    tuple_prefix_11: A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k;
    tuple_prefix_12: A a, B b, C c, D d, E e, F f, G g, H h, I i, J j, K k, L l;
}
