"""Pure rules: record kinds, catalogues, validation, Vietnamese text. No Qt, no SQL."""
