-- The fixed breaks of seed rfm_score_breaks cover every value exactly once per dimension and bucket count:
-- scores 1..N each once, ranges that meet end to start with open ends at both extremes (empty, or the money
-- type's limits -9999999999999999.99 and 9999999999999999.99), and a higher score
-- for fewer recency days, more orders and more revenue. Also: every scheme's bucket count has breaks.

with

score_breaks as (

    select * from {{ ref('rfm_score_breaks') }}

),

definitions as (

    select * from {{ ref('rfm_segment_definitions') }}

),

ordered as (

    select
        *,
        row_number() over (partition by dimension, buckets order by min_value nulls first) as position,
        count(*) over (partition by dimension, buckets) as breaks,
        lead(min_value) over (partition by dimension, buckets order by min_value nulls first) as next_min_value,
        lead(score) over (partition by dimension, buckets order by min_value nulls first) as next_score
    from score_breaks

),

errors as (

    select
        dimension,
        buckets,
        score,
        'scores are not 1..buckets' as problem
    from ordered
    where breaks <> buckets or score < 1 or score > buckets

    union all

    select
        dimension,
        buckets,
        score,
        'the lowest range is not open below or the highest not open above' as problem
    from ordered
    where (position = 1 and coalesce(min_value, -9999999999999999.99) > -9999999999999999.99)
        or (position = breaks and coalesce(max_value, 9999999999999999.99) < 9999999999999999.99)
        or (position < breaks and max_value is null)

    union all

    select
        dimension,
        buckets,
        score,
        'a range does not end where the next one starts' as problem
    from ordered
    where position < breaks and (max_value <> next_min_value or max_value <= min_value)

    union all

    select
        dimension,
        buckets,
        score,
        'scores do not follow the values in the better direction' as problem
    from ordered
    where position < breaks
        and next_score <> case when dimension = 'recency' then score - 1 else score + 1 end

    union all

    select
        scheme_buckets.dimension,
        scheme_buckets.buckets,
        0 as score,
        'a bucket count used by a scheme has no breaks' as problem
    from (
        select distinct
            dimensions.dimension,
            definitions.buckets
        from definitions
        cross join (
            select 'recency' as dimension
            union all
            select 'frequency'
            union all
            select 'monetary'
        ) as dimensions
    ) as scheme_buckets
    left join score_breaks
        on scheme_buckets.dimension = score_breaks.dimension
        and scheme_buckets.buckets = score_breaks.buckets
    where score_breaks.score is null

)

select * from errors
