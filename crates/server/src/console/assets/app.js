// The localvpc console: core (session, data, routing, DOM helper) and the resource map.
// Every value reaches the page through text nodes or attributes set by `h`, never as HTML,
// so names and tags (user input) always show as text.
"use strict";

const API = "/_localvpc/console/api/";
const LV = {
  session: null,
  partitions: [],
  partition: null, // {account, region}
  data: null, // kinds from api/state
  version: 0,
  highlight: null, // {path: Set(ids), blocking: Set(ids), findings: Map(id → text)}
  timings: {}, // ms of the last state load and render (bench/console reads them)
};
window.LV = LV;

// ---- DOM -------------------------------------------------------------------------------
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}
const link = (href, text, cls) => h("a", { href, class: cls }, text);
const tagsOf = (r) => r.Tags || r.TagSet || [];
const nameOf = (r) => (tagsOf(r).find((t) => t.Key === "Name") || {}).Value || "";
const list = (kind, member) => ((LV.data && LV.data[kind]) || {})[member] || [];

function toast(text) {
  const t = document.getElementById("toast");
  t.textContent = text;
  t.hidden = !text;
  if (text) setTimeout(() => { if (t.textContent === text) t.hidden = true; }, 8000);
}

// ---- Server ----------------------------------------------------------------------------
async function api(path, body) {
  const opts = body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": (LV.session || {}).csrf || "" },
    body: JSON.stringify(body),
  };
  const r = await fetch(API + path, opts);
  const answer = await r.json().catch(() => ({ error: { code: String(r.status), message: r.statusText } }));
  if (!r.ok || answer.error) {
    const e = new Error(answer.error ? `${answer.error.code}: ${answer.error.message}` : r.statusText);
    e.code = answer.error && answer.error.code;
    throw e;
  }
  return answer;
}

// One EC2 call through the API's own dispatch; `params` are query parameters.
function ec2(action, params) {
  const { account, region } = LV.partition;
  return api("call", { account, region, action, params: params || {} });
}

async function load() {
  if (!LV.partition) return;
  const { account, region } = LV.partition;
  const q = new URLSearchParams({ account, region });
  const started = performance.now();
  const state = await api("state?" + q);
  LV.data = state.kinds;
  LV.timings.load = performance.now() - started;
}

// ---- Derived views of the data ---------------------------------------------------------
const Index = {
  build() {
    const byId = new Map();
    const put = (id, r) => id && byId.set(id, r);
    list("DescribeVpcs", "Vpcs").forEach((r) => put(r.VpcId, r));
    list("DescribeSubnets", "Subnets").forEach((r) => put(r.SubnetId, r));
    list("DescribeNetworkInterfaces", "NetworkInterfaces").forEach((r) => put(r.NetworkInterfaceId, r));
    list("DescribeSecurityGroups", "SecurityGroups").forEach((r) => put(r.GroupId, r));
    list("DescribeRouteTables", "RouteTables").forEach((r) => put(r.RouteTableId, r));
    list("DescribeNetworkAcls", "NetworkAcls").forEach((r) => put(r.NetworkAclId, r));
    this.instances = list("DescribeInstances", "Reservations").flatMap((r) => r.Instances || []);
    this.instances.forEach((r) => put(r.InstanceId, r));
    this.byId = byId;
    // Elastic IPs by the private address they map (network interface + address).
    this.eips = new Map();
    for (const a of list("DescribeAddresses", "Addresses")) {
      if (a.NetworkInterfaceId) this.eips.set(a.NetworkInterfaceId + "/" + a.PrivateIpAddress, a);
    }
  },
  // The route table governing a subnet: its explicit association, else the VPC's main table.
  routeTableOf(subnet) {
    const tables = list("DescribeRouteTables", "RouteTables").filter((t) => t.VpcId === subnet.VpcId);
    return tables.find((t) => (t.Associations || []).some((a) => a.SubnetId === subnet.SubnetId))
      || tables.find((t) => (t.Associations || []).some((a) => a.Main));
  },
  aclOf(subnet) {
    return list("DescribeNetworkAcls", "NetworkAcls").find((a) => (a.Associations || []).some((x) => x.SubnetId === subnet.SubnetId));
  },
  // Public: its route table sends some destination to an internet gateway (as AWS's console tells).
  isPublic(subnet) {
    const t = this.routeTableOf(subnet);
    return !!t && (t.Routes || []).some((r) => (r.GatewayId || "").startsWith("igw-") && r.State !== "blackhole");
  },
  enisOf(instanceId) {
    return list("DescribeNetworkInterfaces", "NetworkInterfaces")
      .filter((e) => e.Attachment && e.Attachment.InstanceId === instanceId)
      .sort((a, b) => a.Attachment.DeviceIndex - b.Attachment.DeviceIndex);
  },
  // Public address of a private one: an Elastic IP or an auto-assigned public IPv4.
  publicOf(eni, ip) {
    const eip = this.eips.get(eni.NetworkInterfaceId + "/" + ip.PrivateIpAddress);
    if (eip) return { ip: eip.PublicIp, elastic: true, allocation: eip.AllocationId };
    if (ip.Association && ip.Association.PublicIp) return { ip: ip.Association.PublicIp, elastic: false };
    return null;
  },
};
window.Index = Index;

// ---- The resource map --------------------------------------------------------------------
// Each kind drawn in a VPC's gateway row: [Describe action, member, ID member, VPC of it, label].
const GATEWAYS = [
  ["DescribeInternetGateways", "InternetGateways", "InternetGatewayId", (g) => (g.Attachments || []).map((a) => a.VpcId), "internet gateway"],
  ["DescribeEgressOnlyInternetGateways", "EgressOnlyInternetGateways", "EgressOnlyInternetGatewayId", (g) => (g.Attachments || []).map((a) => a.VpcId), "egress-only internet gateway"],
  ["DescribeNatGateways", "NatGateways", "NatGatewayId", (g) => [g.VpcId], "NAT gateway"],
  ["DescribeVpcPeeringConnections", "VpcPeeringConnections", "VpcPeeringConnectionId", (p) => [(p.RequesterVpcInfo || {}).VpcId, (p.AccepterVpcInfo || {}).VpcId], "peering connection"],
  ["DescribeVpcEndpoints", "VpcEndpoints", "VpcEndpointId", (e) => [e.VpcId], "endpoint"],
];

function gatewayDetail(label, g) {
  if (label === "NAT gateway") return [g.State, (g.NatGatewayAddresses || []).map((a) => [a.PublicIp, a.PrivateIp].filter(Boolean).join(" → ")).join(", ")];
  if (label === "peering connection") return [(g.Status || {}).Code, `${(g.RequesterVpcInfo || {}).VpcId} ↔ ${(g.AccepterVpcInfo || {}).VpcId}`];
  if (label === "endpoint") return [g.State, g.ServiceName];
  return [(g.Attachments || []).map((a) => a.State).join(", ")];
}

function marks(id) {
  const hl = LV.highlight;
  if (!hl) return "";
  return [hl.path.has(id) && "on-path", hl.blocking.has(id) && "blocking", hl.findings.has(id) && "finding"].filter(Boolean).join(" ");
}
function findingNote(id) {
  const hl = LV.highlight;
  return hl && hl.findings.has(id) ? h("div", { class: "finding-note" }, "⚠ " + hl.findings.get(id)) : null;
}

function eniChip(eni) {
  const att = eni.Attachment;
  const ips = (eni.PrivateIpAddresses || []).map((ip) => {
    const pub = Index.publicOf(eni, ip);
    return h("li", { class: "ip" },
      h("span", { class: "private" }, ip.PrivateIpAddress), ip.Primary ? h("span", { class: "tag" }, "primary") : null,
      pub ? h("span", { class: pub.elastic ? "eip" : "public" }, (pub.elastic ? "EIP " : "public ") + pub.ip) : null);
  });
  const v6 = (eni.Ipv6Addresses || []).map((a) => h("li", { class: "ip v6" }, a.Ipv6Address));
  return h("div", { class: `eni ${marks(eni.NetworkInterfaceId)}`, dataset: { eni: eni.NetworkInterfaceId } },
    h("div", { class: "eni-head" },
      att ? h("span", { class: "dev" }, `eth${att.DeviceIndex}`) : h("span", { class: "dev free" }, "unattached"),
      link(`#/eni/${eni.NetworkInterfaceId}`, eni.NetworkInterfaceId, "id"),
      eni.SourceDestCheck === false ? h("span", { class: "tag warn" }, "src/dst check off") : null),
    nameOf(eni) ? h("div", { class: "name" }, nameOf(eni)) : null,
    h("div", { class: "mac" }, eni.MacAddress),
    h("ul", { class: "ips" }, ips, v6),
    h("div", { class: "sgs" }, (eni.Groups || []).map((g) => link(`#/sg/${g.GroupId}`, g.GroupName || g.GroupId, `sg ${marks(g.GroupId)}`))),
    findingNote(eni.NetworkInterfaceId));
}

// An instance's card in one subnet, holding its ENIs there; an instance with ENIs in several
// subnets (or VPCs) gets a card in each, joined by wires.
function instanceCard(instance, enis, elsewhere) {
  const state = (instance.State || {}).Name;
  return h("div", { class: `instance ${state} ${marks(instance.InstanceId)}`, dataset: { instance: instance.InstanceId } },
    h("div", { class: "instance-head" },
      link(`#/instance/${instance.InstanceId}`, instance.InstanceId, "id"),
      h("span", { class: `state ${state}` }, state),
      h("span", { class: "muted" }, instance.InstanceType)),
    nameOf(instance) ? h("div", { class: "name" }, nameOf(instance)) : null,
    elsewhere.length ? h("div", { class: "spans" }, "also in " + elsewhere.join(", ")) : null,
    enis.map(eniChip), findingNote(instance.InstanceId));
}

function subnetBox(subnet) {
  const enis = list("DescribeNetworkInterfaces", "NetworkInterfaces").filter((e) => e.SubnetId === subnet.SubnetId);
  const rt = Index.routeTableOf(subnet);
  const acl = Index.aclOf(subnet);
  const byInstance = new Map();
  const free = [];
  for (const e of enis) {
    if (e.Attachment && e.Attachment.InstanceId) {
      if (!byInstance.has(e.Attachment.InstanceId)) byInstance.set(e.Attachment.InstanceId, []);
      byInstance.get(e.Attachment.InstanceId).push(e);
    } else free.push(e);
  }
  const cards = [...byInstance].map(([id, here]) => {
    const instance = Index.byId.get(id) || { InstanceId: id, State: {} };
    here.sort((a, b) => a.Attachment.DeviceIndex - b.Attachment.DeviceIndex);
    const elsewhere = [...new Set(Index.enisOf(id).filter((e) => e.SubnetId !== subnet.SubnetId)
      .map((e) => (e.VpcId !== subnet.VpcId ? e.VpcId : e.SubnetId)))];
    return instanceCard(instance, here, elsewhere);
  });
  const pub = Index.isPublic(subnet);
  return h("section", { class: `subnet ${pub ? "public" : "private"} ${marks(subnet.SubnetId)}`, dataset: { subnet: subnet.SubnetId } },
    h("div", { class: "subnet-head" },
      h("span", { class: `kind ${pub ? "public" : "private"}` }, pub ? "public" : "private"),
      h("span", { class: "id" }, subnet.SubnetId), h("span", { class: "cidr" }, subnet.CidrBlock)),
    nameOf(subnet) ? h("div", { class: "name" }, nameOf(subnet)) : null,
    h("div", { class: "subnet-links" },
      rt ? link(`#/rtb/${rt.RouteTableId}`, "routes: " + rt.RouteTableId, marks(rt.RouteTableId)) : null,
      acl ? link(`#/acl/${acl.NetworkAclId}`, "ACL: " + acl.NetworkAclId, marks(acl.NetworkAclId)) : null,
      h("span", { class: "muted" }, `${subnet.AvailableIpAddressCount} free`)),
    findingNote(subnet.SubnetId), findingNote(rt && rt.RouteTableId), findingNote(acl && acl.NetworkAclId),
    h("div", { class: "hosts" }, cards, free.map(eniChip)));
}

function routeSummary(r) {
  const dest = r.DestinationCidrBlock || r.DestinationIpv6CidrBlock || r.DestinationPrefixListId;
  const target = r.GatewayId || r.NatGatewayId || r.NetworkInterfaceId || r.InstanceId || r.VpcPeeringConnectionId
    || r.EgressOnlyInternetGatewayId || r.TransitGatewayId || "?";
  return `${dest} → ${target}${r.State === "blackhole" ? " (blackhole)" : ""}`;
}

function vpcBox(vpc) {
  const subnets = list("DescribeSubnets", "Subnets").filter((s) => s.VpcId === vpc.VpcId)
    .sort((a, b) => (a.AvailabilityZone + a.CidrBlock).localeCompare(b.AvailabilityZone + b.CidrBlock, undefined, { numeric: true }));
  const zones = [...new Set(subnets.map((s) => s.AvailabilityZone))].sort();
  const cidrs = (vpc.CidrBlockAssociationSet || [{ CidrBlock: vpc.CidrBlock }]).map((c) => c.CidrBlock)
    .concat((vpc.Ipv6CidrBlockAssociationSet || []).map((c) => c.Ipv6CidrBlock));
  const gateways = GATEWAYS.flatMap(([kind, member, idKey, vpcsOf, label]) =>
    list(kind, member).filter((g) => vpcsOf(g).includes(vpc.VpcId)).map((g) =>
      h("div", { class: `gateway ${marks(g[idKey])}`, dataset: { gateway: g[idKey] } },
        h("span", { class: "kind" }, label), h("span", { class: "id" }, g[idKey]),
        gatewayDetail(label, g).filter(Boolean).map((d) => h("span", { class: "muted" }, d)), nameOf(g) ? h("span", { class: "name" }, nameOf(g)) : null)));
  const tables = list("DescribeRouteTables", "RouteTables").filter((t) => t.VpcId === vpc.VpcId);
  const groups = list("DescribeSecurityGroups", "SecurityGroups").filter((g) => g.VpcId === vpc.VpcId);
  return h("article", { class: `vpc ${marks(vpc.VpcId)}`, dataset: { vpc: vpc.VpcId } },
    h("header", { class: "vpc-head" },
      h("span", { class: "kind" }, vpc.IsDefault ? "default VPC" : "VPC"), h("span", { class: "id" }, vpc.VpcId),
      cidrs.map((c) => h("span", { class: "cidr" }, c)), nameOf(vpc) ? h("span", { class: "name" }, nameOf(vpc)) : null),
    h("div", { class: "gateways" }, gateways.length ? gateways : h("span", { class: "muted" }, "no gateways")),
    h("div", { class: "zones" }, zones.map((z) => h("div", { class: "zone", dataset: { zone: z } },
      h("div", { class: "zone-head" }, z), subnets.filter((s) => s.AvailabilityZone === z).map(subnetBox)))),
    h("div", { class: "vpc-foot" },
      h("div", {}, h("strong", {}, "Route tables "), tables.map((t) => h("div", { class: `rtb ${marks(t.RouteTableId)}`, dataset: { rtb: t.RouteTableId } },
        link(`#/rtb/${t.RouteTableId}`, t.RouteTableId, "id"), (t.Associations || []).some((a) => a.Main) ? h("span", { class: "tag" }, "main") : null,
        h("span", { class: "muted" }, (t.Routes || []).map(routeSummary).join("; "))))),
      h("div", {}, h("strong", {}, "Security groups "), groups.map((g) => link(`#/sg/${g.GroupId}`, `${g.GroupName} (${g.GroupId})`, `sg ${marks(g.GroupId)}`)))));
}

function renderMap(view, only) {
  // The account's own VPCs first (by name), the default VPC last.
  const vpcs = list("DescribeVpcs", "Vpcs").filter((v) => !only || v.VpcId === only)
    .sort((a, b) => (a.IsDefault - b.IsDefault) || (nameOf(a) + a.VpcId).localeCompare(nameOf(b) + b.VpcId));
  view.append(h("div", { class: "map", id: "map" }, vpcs.length ? vpcs.map(vpcBox) : h("p", { class: "muted" }, "No VPCs.")));
}

// Wires between the cards of one instance (multi-subnet, multi-VPC) and along an analyzed path.
function drawWires() {
  const svg = document.getElementById("wires");
  svg.replaceChildren();
  const map = document.getElementById("map");
  if (!map) return;
  // Sized to the page without the old drawing, so the wires never widen it.
  svg.setAttribute("width", 0);
  svg.setAttribute("height", 0);
  const doc = document.documentElement;
  svg.setAttribute("width", doc.scrollWidth);
  svg.setAttribute("height", doc.scrollHeight);
  const centre = (el) => {
    const r = el.getBoundingClientRect();
    return [r.left + r.width / 2 + window.scrollX, r.top + Math.min(r.height / 2, 24) + window.scrollY];
  };
  const line = (a, b, cls) => {
    const [x1, y1] = centre(a), [x2, y2] = centre(b);
    const l = document.createElementNS("http://www.w3.org/2000/svg", "line");
    Object.entries({ x1, y1, x2, y2, class: cls }).forEach(([k, v]) => l.setAttribute(k, v));
    svg.append(l);
  };
  const groups = new Map();
  map.querySelectorAll("[data-instance]").forEach((el) => {
    const id = el.dataset.instance;
    if (!groups.has(id)) groups.set(id, []);
    groups.get(id).push(el);
  });
  for (const cards of groups.values()) for (let i = 1; i < cards.length; i++) line(cards[0], cards[i], "span-wire");
  const hops = (LV.highlight && LV.highlight.order) || [];
  const els = hops.map((id) => map.querySelector(`[data-eni="${CSS.escape(id)}"], [data-instance="${CSS.escape(id)}"], [data-gateway="${CSS.escape(id)}"], [data-subnet="${CSS.escape(id)}"]`)).filter(Boolean);
  for (let i = 1; i < els.length; i++) if (els[i] !== els[i - 1]) line(els[i - 1], els[i], "path-wire");
}

// ---- Routing and start-up --------------------------------------------------------------------
const PAGES = { map: (view, arg) => renderMap(view, arg) }; // pages.js adds the others
window.PAGES = PAGES;
window.lv = { h, link, tagsOf, nameOf, list, toast, api, ec2, load, renderMap, drawWires, routeSummary, eniChip };

async function render() {
  const started = performance.now();
  const view = document.getElementById("view");
  const [page, ...args] = (location.hash.replace(/^#\/?/, "") || "map").split("/");
  document.querySelectorAll("[data-nav]").forEach((a) => a.classList.toggle("active", a.dataset.nav === page));
  const scroll = [window.scrollX, window.scrollY];
  const fresh = h("main", { id: "view" });
  if (!LV.partition) fresh.append(h("p", { class: "muted" }, "The store holds no account yet: make an EC2 call first."));
  else {
    Index.build();
    try {
      await (PAGES[page] || PAGES.map)(fresh, ...args.map(decodeURIComponent));
    } catch (e) {
      fresh.append(h("p", { class: "error" }, e.message));
    }
  }
  view.replaceWith(fresh);
  window.scrollTo(...scroll);
  drawWires(); // measures the laid-out page, so the timing below includes layout
  LV.timings.render = performance.now() - started;
  document.body.dataset.version = String(LV.version);
  document.body.dataset.renderedAt = String(Date.now());
}
window.lvRender = render;

async function refresh() {
  // The state of the current partition loads beside the list of partitions.
  const early = LV.partition ? load() : null;
  const parts = await api("partitions");
  LV.partitions = parts;
  const select = document.getElementById("partition");
  const key = (p) => `${p.account}/${p.region}`;
  const current = LV.partition && key(LV.partition);
  select.replaceChildren(...parts.map((p) => h("option", { value: key(p), selected: key(p) === current }, `${p.account} · ${p.region}`)));
  if (!LV.partition || !parts.some((p) => key(p) === current)) {
    const saved = sessionStorage.getItem("lv-partition");
    LV.partition = parts.find((p) => key(p) === saved) || parts.find((p) => p.account !== "000000000000") || parts[0] || null;
    if (LV.partition) select.value = key(LV.partition);
    if (early) await early.catch(() => {});
    return load();
  }
  return early;
}

// Reloads after a change, coalescing bursts: one load in flight, one more queued at most.
let loading = null, again = false;
async function onChange(version) {
  LV.version = Math.max(LV.version, version);
  if (loading) { again = true; return; }
  do {
    again = false;
    loading = refresh().then(render).catch((e) => toast(e.message));
    await loading;
  } while (again);
  loading = null;
}

function listen() {
  const live = document.getElementById("live");
  const events = new EventSource(API + "events");
  events.addEventListener("ready", () => live.classList.add("on"));
  events.addEventListener("change", (e) => onChange(Number(e.data)));
  events.onerror = () => live.classList.remove("on");
}

function signIn() {
  const view = document.getElementById("view");
  const key = h("input", { name: "accessKeyId", autocomplete: "username", required: true });
  const secret = h("input", { name: "secretAccessKey", type: "password", autocomplete: "current-password", required: true });
  const form = h("form", { class: "login", onsubmit: async (e) => {
    e.preventDefault();
    try {
      LV.session = await api("login", { accessKeyId: key.value, secretAccessKey: secret.value });
      start();
    } catch (err) { toast(err.message); }
  } }, h("h2", {}, "Sign in"), h("p", { class: "muted" }, "An access key and secret from the server's credentials file."),
  h("label", {}, "Access key ID", key), h("label", {}, "Secret access key", secret), h("button", { type: "submit" }, "Sign in"));
  view.replaceChildren(form);
}

async function start() {
  try {
    LV.session = await api("session");
    if (!LV.session.signedIn) return signIn();
    document.getElementById("logout").hidden = LV.session.auth !== "verify";
    await refresh();
    await render();
    listen();
  } catch (e) { toast(e.message); }
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("partition").addEventListener("change", async (e) => {
    const [account, region] = e.target.value.split("/");
    LV.partition = { account, region };
    sessionStorage.setItem("lv-partition", e.target.value);
    await load();
    render();
  });
  document.getElementById("logout").addEventListener("click", async () => {
    await api("logout", {}).catch(() => {});
    location.reload();
  });
  window.addEventListener("hashchange", render);
  window.addEventListener("resize", drawWires);
  start();
});
