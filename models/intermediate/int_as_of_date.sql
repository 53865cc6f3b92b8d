{#- The build gate: every mart, CRM table and the snapshot descend from this model, and it depends on
    rejected_rows, so when a source is above rejected_rows_error_share (the error test on rejected_rows) or the
    inputs are unusable (build_inputs_usable on this model), `dbt build` skips all of them. -#}
{%- set as_of_literal = customer_segmentation.rfm_as_of_date_literal() -%}
-- depends_on: {{ ref('rejected_rows') }}

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
