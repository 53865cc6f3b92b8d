-- Each dimension's score ranges cover every customer of the snapshot exactly once, and with the default
-- percent_rank method (equal values, equal scores) a higher score always means a strictly better range:
-- fewer recency days, more orders, more revenue.
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
        {%- if method == 'percent_rank' %}
        or (dimension = 'recency' and next_max_value >= min_value)
        or (dimension <> 'recency' and next_min_value <= max_value)
        {%- endif %}

)

select * from coverage_errors
union all
select * from order_errors
