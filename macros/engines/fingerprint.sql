{#- Fingerprints of the window engine's inputs (macros/window_engine.sql). A row's hash is a 64-bit integer
    of its values, nulls included; a snapshot's fingerprint is the sum of its rows' hashes, so it does not
    depend on row order or on how the engine splits the work. Only equality within one warehouse matters:
    the engines need not agree on the digits. -#}

{#- A 64-bit integer hash of the values of `expressions` (a list of SQL expressions) taken together. -#}
{% macro row_hash(expressions) -%}
    {{ return(adapter.dispatch('row_hash', 'customer_segmentation')(expressions)) }}
{%- endmacro %}

{% macro default__row_hash(expressions) -%}
    {{ exceptions.raise_compiler_error(
        "The window engine has no 64-bit row hash for adapter '" ~ adapter.type()
        ~ "': add a " ~ adapter.type() ~ "__row_hash macro to macros/engines/fingerprint.sql"
    ) }}
{%- endmacro %}

{#- hash() takes any number of values of any type, nulls included, and returns a UBIGINT. -#}
{% macro duckdb__row_hash(expressions) -%}
    hash({{ expressions | join(', ') }})
{%- endmacro %}

{#- A row value's text spells every field, null as an empty field, and quotes where needed, so distinct
    rows give distinct texts. -#}
{% macro postgres__row_hash(expressions) -%}
    hashtextextended(cast(row({{ expressions | join(', ') }}) as text), 0)
{%- endmacro %}

{% macro spark__row_hash(expressions) -%}
    xxhash64({{ expressions | join(', ') }})
{%- endmacro %}


{#- The order-independent total of a column of row hashes, as decimal(38, 0): summed as decimals, so it
    cannot overflow where the engine would sum 64-bit integers in 64 bits; 0 for no rows. -#}
{% macro fingerprint_total(hash_expression) -%}
    coalesce(sum(cast({{ hash_expression }} as decimal(38, 0))), cast(0 as decimal(38, 0)))
{%- endmacro %}
