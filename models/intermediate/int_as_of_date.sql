{%- set as_of_literal = customer_segmentation.rfm_as_of_date_literal() -%}

with

orders as (

    select * from {{ ref('stg_orders') }}

),

data_range as (

    select
        max(order_date) as latest_order_date,
        min(case when status = 'completed' then order_date end) as first_completed_order_date
    from orders

),

final as (

    select
        {% if as_of_literal -%}
        {{ as_of_literal }} as as_of_date,
        {%- else -%}
        -- The data's own latest date, not the clock, so a rebuild on the same data gives the same result.
        latest_order_date as as_of_date,
        {%- endif %}
        first_completed_order_date,
        {{ customer_segmentation.build_run_date() }} as run_date
    from data_range

)

select * from final
