"""Demo tenants say so (issue 14): the tenant file's ``demo``, synced, shown on the front page, the home page and the header."""

from __future__ import annotations


def test_demo_tenants_are_labelled_on_the_front_page_and_in_their_pages(client, client_for):
    front = client.get("/").get_data(as_text=True)
    assert 'data-demo="gamma"' in front  # tests/tenants/gamma.toml says demo = true
    assert 'data-demo="alpha"' not in front and 'data-demo="beta"' not in front
    gamma = client_for("gamma", "tenant_admin").get("/gamma/").get_data(as_text=True)
    assert 'id="demo-tenant"' in gamma and "En demokommune" in gamma
    assert 'id="demo-tenant"' not in client_for("alpha", "partner_staff").get("/alpha/").get_data(as_text=True)


def test_the_repositorys_demo_tenants_say_so_in_their_files():
    from core.tenancy.files import read_tenant_files

    demo = {f.data["slug"] for f in read_tenant_files("tenants") if f.data["demo"]}
    assert {"kolding", "kobenhavn", "aarhus"} <= demo
    assert not demo & {"ishoj", "fredericia"}  # real agreements run there
