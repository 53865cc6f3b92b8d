-- Each dimension's score ranges cover every scored customer of the snapshot exactly once, and with the
-- percent_rank and thresholds methods (equal values, equal scores) a higher score always means a strictly
-- better range: fewer recency days, more orders, more revenue. With thresholds every range lies inside its
-- fixed break [break_min_value, break_max_value).
{%- set method = customer_segmentation.rfm_score_method() %}

with

thresholds as (

    select * from {{ ref('rfm_score_thresholds') }}

),

rfm_history as (

    select * from {{ ref('customer_rfm_history') }}

),

snapshot_customers as (

    select
        snapshot_date,
        count(*) as customers
    from rfm_history
    where recency_score is not null
    group by snapshot_date

),

coverage_errors as (

    select
        thresholds.snapshot_date,
        thresholds.dimension,
        'customers do not add up to the snapshot' as problem
    from thresholds
    inner join snapshot_customers
        on thresholds.snapshot_date = snapshot_customers.snapshot_date
    group by
        thresholds.snapshot_date,
        thresholds.dimension,
        snapshot_customers.customers
    having sum(thresholds.customers) <> snapshot_customers.customers

),

with_next as (

    select
        *,
        lead(min_value) over (partition by snapshot_date, dimension order by score) as next_min_value,
        lead(max_value) over (partition by snapshot_date, dimension order by score) as next_max_value
    from thresholds

),

order_errors as (

    select
        snapshot_date,
        dimension,
        'a higher score does not mean a better range' as problem
    from with_next
    where min_value > max_value
        {%- if method in ('percent_rank', 'thresholds') %}
        or (dimension = 'recency' and next_max_value >= min_value)
        or (dimension <> 'recency' and next_min_value <= max_value)
        {%- endif %}

),

break_errors as (

    select
        snapshot_date,
        dimension,
        'a score range lies outside its fixed break' as problem
    from thresholds
    {%- if method == 'thresholds' %}
    where break_min_value is null and break_max_value is null
        or min_value < break_min_value
        or max_value >= break_max_value
    {%- else %}
    where break_min_value is not null or break_max_value is not null
    {%- endif %}

)

select * from coverage_errors
union all
select * from order_errors
union all
select * from break_errors
