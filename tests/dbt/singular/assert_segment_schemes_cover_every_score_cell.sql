-- Every (recency, frequency, monetary) cell of every scheme's grid maps to exactly one segment row.
with

definitions as (

    select * from {{ ref('rfm_segment_definitions') }}

),

scores as (

    {% for n in range(1, 11) -%}
    select {{ n }} as score
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

schemes as (

    select
        scheme,
        max(buckets) as buckets,
        min(buckets) as min_buckets
    from definitions
    group by scheme

),

cells as (

    select
        schemes.scheme,
        recency.score as recency_score,
        frequency.score as frequency_score,
        monetary.score as monetary_score
    from schemes
    cross join scores as recency
    cross join scores as frequency
    cross join scores as monetary
    where recency.score <= schemes.buckets
        and frequency.score <= schemes.buckets
        and monetary.score <= schemes.buckets

),

matches as (

    select
        cells.scheme,
        cells.recency_score,
        cells.frequency_score,
        cells.monetary_score,
        count(definitions.segment) as matching_rows
    from cells
    left join definitions
        on cells.scheme = definitions.scheme
        and cells.recency_score between definitions.recency_min and definitions.recency_max
        and cells.frequency_score between definitions.frequency_min and definitions.frequency_max
        and cells.monetary_score between definitions.monetary_min and definitions.monetary_max
    group by
        cells.scheme,
        cells.recency_score,
        cells.frequency_score,
        cells.monetary_score

),

inconsistent_schemes as (

    -- A scheme whose rows disagree on its bucket count has no single grid to cover.
    select
        scheme,
        -1 as recency_score,
        -1 as frequency_score,
        -1 as monetary_score,
        -1 as matching_rows
    from schemes
    where buckets <> min_buckets

)

select * from matches
where matching_rows <> 1
union all
select * from inconsistent_schemes
