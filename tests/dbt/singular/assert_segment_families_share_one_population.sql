-- Every family history holds exactly the customer x snapshot rows of int_customer_snapshot_windows, also
-- after incremental runs, so the families can be joined row for row.
-- Each ref() names its model literally (no ref(variable)), so parsers that read refs statically see them.
{%- set histories = {
    'customer_lifecycle_history': ref('customer_lifecycle_history'),
    'customer_value_history': ref('customer_value_history'),
    'customer_health_history': ref('customer_health_history'),
} -%}
{%- if customer_segmentation.events_enabled() -%}
{%- do histories.update({'customer_behaviour_history': ref('customer_behaviour_history')}) -%}
{%- endif %}

with

snapshot_windows as (

    select * from {{ ref('int_customer_snapshot_windows') }}

),

{% for history, relation in histories.items() -%}
{{ history }} as (

    select * from {{ relation }}

),

{% endfor -%}
mismatches as (

    {% for history in histories -%}
    select
        '{{ history }}' as history,
        coalesce(snapshot_windows.customer_id, {{ history }}.customer_id) as customer_id,
        coalesce(snapshot_windows.snapshot_date, {{ history }}.snapshot_date) as snapshot_date
    from snapshot_windows
    full outer join {{ history }}
        on snapshot_windows.customer_id = {{ history }}.customer_id
        and snapshot_windows.snapshot_date = {{ history }}.snapshot_date
    where snapshot_windows.customer_id is null
        or {{ history }}.customer_id is null
        or snapshot_windows.as_of_date <> {{ history }}.as_of_date
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

)

select * from mismatches
