// The localvpc console: core (session, data, routing, DOM helper) and the resource map.
// Every value reaches the page through text nodes or attributes set by `h`, never as HTML,
// so names and tags (user input) always show as text.
"use strict";

const API = "/_localvpc/console/api/";
const LV = {
  session: null,
  partitions: [],
  partition: null, // {account, region}
  data: null, // kinds from api/state, patched by each live update
  seq: 0, // the live update `data` is at
  renders: 0,
  highlight: null, // {path: Set(ids), blocking: Set(ids), findings: Map(id → text)}
  // ms of the last state load, live update applied (apply), page built or patched (build),
  // render with wires (render), and live update received → painted (show); bench/ reads them.
  timings: {},
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
  if (!LV.partition) {
    if (events) events.close();
    events = null;
    return;
  }
  const { account, region } = LV.partition;
  const q = new URLSearchParams({ account, region });
  const started = performance.now();
  const state = await api("state?" + q);
  LV.data = state.kinds;
  LV.seq = state.seq;
  LV.timings.load = performance.now() - started;
  listen();
}

// Applies a live update: per kind, the items that are new or changed, the IDs gone, and the
// order when it is not the page's; or the whole list. Unchanged items stay the same objects,
// which is what lets the map keep their nodes.
function applyDelta(delta) {
  for (const k of delta.kinds) {
    const answer = LV.data[k.kind] || (LV.data[k.kind] = {});
    if (k.replace) { answer[k.member] = k.replace; continue; }
    const items = answer[k.member] || [];
    const at = new Map(items.map((r, i) => [r[k.id], i]));
    for (const r of k.upsert) {
      if (at.has(r[k.id])) items[at.get(r[k.id])] = r;
      else { at.set(r[k.id], items.length); items.push(r); }
    }
    const gone = new Set(k.remove);
    let next = gone.size ? items.filter((r) => !gone.has(r[k.id])) : items;
    if (k.order) {
      const byId = new Map(next.map((r) => [r[k.id], r]));
      next = k.order.map((id) => byId.get(id)).filter(Boolean);
    }
    answer[k.member] = next;
  }
}

// ---- Derived views of the data ---------------------------------------------------------
const Index = {
  build() {
    const byId = new Map();
    const group = (items, keyOf) => {
      const by = new Map();
      for (const r of items) {
        const key = keyOf(r);
        if (!key) continue;
        if (!by.has(key)) by.set(key, []);
        by.get(key).push(r);
      }
      return by;
    };
    const enis = list("DescribeNetworkInterfaces", "NetworkInterfaces");
    this.bySubnet = group(enis, (e) => e.SubnetId);
    this.byInstance = group(enis, (e) => e.Attachment && e.Attachment.InstanceId);
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
    return (this.byInstance.get(instanceId) || []).slice()
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

// The map is patched in place on every render: each box (map, VPC, zone, subnet, instance
// card) is the same element from one render to the next, and each leaf (an ENI chip, a
// heading) is rebuilt only when what it shows changed, that is when an input is no longer the
// same object (a live update replaces only the items that changed) or its marks changed. So a
// live update touches the few nodes it changes, and selection and scroll survive it.
const Kept = { round: 0, boxes: new Map(), leaves: new Map() };

function box(key, tag, cls, attrs) {
  let kept = Kept.boxes.get(key);
  if (!kept) Kept.boxes.set(key, kept = { el: h(tag, attrs) });
  kept.round = Kept.round;
  if (kept.el.className !== cls) kept.el.className = cls;
  return kept.el;
}

function leaf(key, inputs, build) {
  let kept = Kept.leaves.get(key);
  if (!kept || kept.inputs.length !== inputs.length || kept.inputs.some((x, i) => x !== inputs[i])) {
    Kept.leaves.set(key, kept = { inputs, nodes: [build()].flat(Infinity).filter(Boolean) });
    Kept.built++;
  }
  kept.round = Kept.round;
  return kept.nodes;
}

// Makes `el`'s children `nodes`, moving and removing only what differs.
function fill(el, ...nodes) {
  const want = nodes.flat(Infinity).filter(Boolean);
  want.forEach((node, i) => { if (el.childNodes[i] !== node) el.insertBefore(node, el.childNodes[i] || null); });
  while (el.childNodes.length > want.length) el.lastChild.remove();
  return el;
}

// What the marks of `ids` (path, blocking, findings) look like, to compare with last time.
const marked = (...ids) => (LV.highlight ? ids.map((id) => `${marks(id)}:${LV.highlight.findings.get(id) || ""}`).join("|") : "");

function eniChipNodes(eni) {
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

// An ENI's chip, kept while the ENI, its Elastic IPs and its marks are the same.
function eniChip(eni) {
  const id = eni.NetworkInterfaceId;
  const eips = (eni.PrivateIpAddresses || []).map((ip) => Index.eips.get(id + "/" + ip.PrivateIpAddress));
  return leaf("eni:" + id, [eni, ...eips, marked(id, ...(eni.Groups || []).map((g) => g.GroupId))], () => eniChipNodes(eni));
}

// An instance's card in one subnet, holding its ENIs there; an instance with ENIs in several
// subnets (or VPCs) gets a card in each, joined by wires.
function instanceCard(instance, enis, elsewhere, subnetId) {
  const id = instance.InstanceId, key = subnetId + "/" + id;
  const state = (instance.State || {}).Name;
  const card = box("instance:" + key, "div", `instance ${state} ${marks(id)}`, { dataset: { instance: id } });
  return fill(card,
    leaf("instance-head:" + key, [instance, elsewhere.join(), marked(id)], () => [
      h("div", { class: "instance-head" },
        link(`#/instance/${id}`, id, "id"),
        h("span", { class: `state ${state}` }, state),
        h("span", { class: "muted" }, instance.InstanceType)),
      nameOf(instance) ? h("div", { class: "name" }, nameOf(instance)) : null,
      elsewhere.length ? h("div", { class: "spans" }, "also in " + elsewhere.join(", ")) : null]),
    enis.map(eniChip),
    leaf("instance-note:" + key, [marked(id)], () => findingNote(id)));
}

function subnetBox(subnet) {
  const id = subnet.SubnetId;
  const rt = Index.routeTableOf(subnet);
  const acl = Index.aclOf(subnet);
  const byInstance = new Map();
  const free = [];
  for (const e of Index.bySubnet.get(id) || []) {
    if (e.Attachment && e.Attachment.InstanceId) {
      if (!byInstance.has(e.Attachment.InstanceId)) byInstance.set(e.Attachment.InstanceId, []);
      byInstance.get(e.Attachment.InstanceId).push(e);
    } else free.push(e);
  }
  const cards = [...byInstance].map(([instanceId, here]) => {
    const instance = Index.byId.get(instanceId) || { InstanceId: instanceId, State: {} };
    here.sort((a, b) => a.Attachment.DeviceIndex - b.Attachment.DeviceIndex);
    const elsewhere = [...new Set(Index.enisOf(instanceId).filter((e) => e.SubnetId !== id)
      .map((e) => (e.VpcId !== subnet.VpcId ? e.VpcId : e.SubnetId)))];
    return instanceCard(instance, here, elsewhere, id);
  });
  const pub = Index.isPublic(subnet);
  const rtId = rt && rt.RouteTableId, aclId = acl && acl.NetworkAclId;
  const section = box("subnet:" + id, "section", `subnet ${pub ? "public" : "private"} ${marks(id)}`, { dataset: { subnet: id } });
  return fill(section,
    leaf("subnet-head:" + id, [subnet, rt, acl, pub, marked(id, rtId, aclId)], () => [
      h("div", { class: "subnet-head" },
        h("span", { class: `kind ${pub ? "public" : "private"}` }, pub ? "public" : "private"),
        h("span", { class: "id" }, id), h("span", { class: "cidr" }, subnet.CidrBlock)),
      nameOf(subnet) ? h("div", { class: "name" }, nameOf(subnet)) : null,
      h("div", { class: "subnet-links" },
        rt ? link(`#/rtb/${rtId}`, "routes: " + rtId, marks(rtId)) : null,
        acl ? link(`#/acl/${aclId}`, "ACL: " + aclId, marks(aclId)) : null,
        h("span", { class: "muted" }, `${subnet.AvailableIpAddressCount} free`)),
      findingNote(id), findingNote(rtId), findingNote(aclId)]),
    fill(box("hosts:" + id, "div", "hosts"), cards, free.map(eniChip)));
}

function routeSummary(r) {
  const dest = r.DestinationCidrBlock || r.DestinationIpv6CidrBlock || r.DestinationPrefixListId;
  const target = r.GatewayId || r.NatGatewayId || r.NetworkInterfaceId || r.InstanceId || r.VpcPeeringConnectionId
    || r.EgressOnlyInternetGatewayId || r.TransitGatewayId || "?";
  return `${dest} → ${target}${r.State === "blackhole" ? " (blackhole)" : ""}`;
}

function vpcBox(vpc) {
  const id = vpc.VpcId;
  const subnets = list("DescribeSubnets", "Subnets").filter((s) => s.VpcId === id)
    .sort((a, b) => (a.AvailabilityZone + a.CidrBlock).localeCompare(b.AvailabilityZone + b.CidrBlock, undefined, { numeric: true }));
  const zones = [...new Set(subnets.map((s) => s.AvailabilityZone))].sort();
  const cidrs = (vpc.CidrBlockAssociationSet || [{ CidrBlock: vpc.CidrBlock }]).map((c) => c.CidrBlock)
    .concat((vpc.Ipv6CidrBlockAssociationSet || []).map((c) => c.Ipv6CidrBlock));
  const gateways = GATEWAYS.flatMap(([kind, member, idKey, vpcsOf, label]) =>
    list(kind, member).filter((g) => vpcsOf(g).includes(id)).map((g) => [g, idKey, label]));
  const tables = list("DescribeRouteTables", "RouteTables").filter((t) => t.VpcId === id);
  const groups = list("DescribeSecurityGroups", "SecurityGroups").filter((g) => g.VpcId === id);
  const article = box("vpc:" + id, "article", `vpc ${marks(id)}`, { dataset: { vpc: id } });
  return fill(article,
    leaf("vpc-head:" + id, [vpc], () => h("header", { class: "vpc-head" },
      h("span", { class: "kind" }, vpc.IsDefault ? "default VPC" : "VPC"), h("span", { class: "id" }, id),
      cidrs.map((c) => h("span", { class: "cidr" }, c)), nameOf(vpc) ? h("span", { class: "name" }, nameOf(vpc)) : null)),
    leaf("vpc-gateways:" + id, [...gateways.map(([g]) => g), marked(...gateways.map(([g, idKey]) => g[idKey]))], () =>
      h("div", { class: "gateways" }, gateways.length ? gateways.map(([g, idKey, label]) =>
        h("div", { class: `gateway ${marks(g[idKey])}`, dataset: { gateway: g[idKey] } },
          h("span", { class: "kind" }, label), h("span", { class: "id" }, g[idKey]),
          gatewayDetail(label, g).filter(Boolean).map((d) => h("span", { class: "muted" }, d)), nameOf(g) ? h("span", { class: "name" }, nameOf(g)) : null))
        : h("span", { class: "muted" }, "no gateways"))),
    fill(box("zones:" + id, "div", "zones"), zones.map((z) => fill(box(`zone:${id}/${z}`, "div", "zone", { dataset: { zone: z } }),
      leaf(`zone-head:${id}/${z}`, [z], () => h("div", { class: "zone-head" }, z)),
      subnets.filter((s) => s.AvailabilityZone === z).map(subnetBox)))),
    leaf("vpc-foot:" + id, [...tables, ...groups, marked(...tables.map((t) => t.RouteTableId), ...groups.map((g) => g.GroupId))], () =>
      h("div", { class: "vpc-foot" },
        h("div", {}, h("strong", {}, "Route tables "), tables.map((t) => h("div", { class: `rtb ${marks(t.RouteTableId)}`, dataset: { rtb: t.RouteTableId } },
          link(`#/rtb/${t.RouteTableId}`, t.RouteTableId, "id"), (t.Associations || []).some((a) => a.Main) ? h("span", { class: "tag" }, "main") : null,
          h("span", { class: "muted" }, (t.Routes || []).map(routeSummary).join("; "))))),
        h("div", {}, h("strong", {}, "Security groups "), groups.map((g) => link(`#/sg/${g.GroupId}`, `${g.GroupName} (${g.GroupId})`, `sg ${marks(g.GroupId)}`))))));
}

// Puts the map (of one VPC: `only`) in `view`, or brings the one there up to date.
function renderMap(view, only) {
  Kept.round++;
  Kept.built = 0;
  // The account's own VPCs first (by name), the default VPC last.
  const vpcs = list("DescribeVpcs", "Vpcs").filter((v) => !only || v.VpcId === only)
    .sort((a, b) => (a.IsDefault - b.IsDefault) || (nameOf(a) + a.VpcId).localeCompare(nameOf(b) + b.VpcId));
  const map = fill(box("map", "div", "map", { id: "map" }),
    vpcs.length ? vpcs.map(vpcBox) : leaf("no-vpcs", [], () => h("p", { class: "muted" }, "No VPCs.")));
  if (map.parentNode !== view) view.append(map);
  // What this round did not use is gone from the page.
  for (const kept of [Kept.boxes, Kept.leaves]) for (const [key, k] of kept) if (k.round !== Kept.round) kept.delete(key);
}

// Wires between the cards of one instance (multi-subnet, multi-VPC) and along an analyzed path,
// redrawn only when what they join moved.
let wiresDrawn = "";
function drawWires() {
  const svg = document.getElementById("wires");
  const map = document.getElementById("map");
  const pairs = [];
  if (map && map.isConnected) {
    const groups = new Map();
    map.querySelectorAll("[data-instance]").forEach((el) => {
      const id = el.dataset.instance;
      if (!groups.has(id)) groups.set(id, []);
      groups.get(id).push(el);
    });
    for (const cards of groups.values()) for (let i = 1; i < cards.length; i++) pairs.push([cards[0], cards[i], "span-wire"]);
    const hops = (LV.highlight && LV.highlight.order) || [];
    const els = hops.map((id) => map.querySelector(`[data-eni="${CSS.escape(id)}"], [data-instance="${CSS.escape(id)}"], [data-gateway="${CSS.escape(id)}"], [data-subnet="${CSS.escape(id)}"]`)).filter(Boolean);
    for (let i = 1; i < els.length; i++) if (els[i] !== els[i - 1]) pairs.push([els[i - 1], els[i], "path-wire"]);
  }
  if (!pairs.length && !wiresDrawn) return; // nothing to draw, nothing drawn: no layout needed
  const centre = (el) => {
    const r = el.getBoundingClientRect();
    return [r.left + r.width / 2 + window.scrollX, r.top + Math.min(r.height / 2, 24) + window.scrollY];
  };
  const lines = pairs.map(([a, b, cls]) => [...centre(a), ...centre(b), cls]);
  const doc = document.documentElement;
  const drawn = JSON.stringify([lines, doc.scrollWidth, doc.scrollHeight]);
  if (drawn === wiresDrawn) return;
  svg.replaceChildren();
  // Sized to the page without the old drawing, so the wires never widen it.
  svg.setAttribute("width", 0);
  svg.setAttribute("height", 0);
  svg.setAttribute("width", doc.scrollWidth);
  svg.setAttribute("height", doc.scrollHeight);
  for (const [x1, y1, x2, y2, cls] of lines) {
    const l = document.createElementNS("http://www.w3.org/2000/svg", "line");
    Object.entries({ x1, y1, x2, y2, class: cls }).forEach(([k, v]) => l.setAttribute(k, v));
    svg.append(l);
  }
  wiresDrawn = lines.length ? drawn : "";
}

// ---- Routing and start-up --------------------------------------------------------------------
const PAGES = { map: (view, arg) => renderMap(view, arg) }; // pages.js adds the others
window.PAGES = PAGES;
window.lv = { h, link, tagsOf, nameOf, list, toast, api, ec2, load, renderMap, drawWires, routeSummary };

// Renders the page the address names. The map page, when already shown, is brought up to
// date in place; any other page is built anew.
async function render() {
  const started = performance.now();
  const view = document.getElementById("view");
  const route = location.hash.replace(/^#\/?/, "") || "map";
  const [page, ...args] = route.split("/");
  document.querySelectorAll("[data-nav]").forEach((a) => a.classList.toggle("active", a.dataset.nav === page));
  const draw = PAGES[page] || PAGES.map;
  const scroll = [window.scrollX, window.scrollY];
  const inPlace = LV.partition && draw === PAGES.map && view.dataset.route === route;
  const target = inPlace ? view : h("main", { id: "view", dataset: { route } });
  if (!LV.partition) target.append(h("p", { class: "muted" }, "The store holds no account yet: make an EC2 call first."));
  else {
    Index.build();
    try {
      await draw(target, ...args.map(decodeURIComponent));
    } catch (e) {
      target.append(h("p", { class: "error" }, e.message));
    }
  }
  if (!inPlace) {
    view.replaceWith(target);
    window.scrollTo(...scroll);
  }
  LV.timings.build = performance.now() - started;
  drawWires();
  LV.renders++;
  LV.timings.render = performance.now() - started;
  document.body.dataset.version = String(LV.seq);
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

// Live updates are rendered once per animation frame, however many arrive in it; a render
// still running (a page that fetches) is followed by one more.
let frame = 0, rendering = false, again = false, received = null;
function scheduleRender() {
  if (frame) return;
  frame = requestAnimationFrame(async () => {
    frame = 0;
    if (rendering) { again = true; return; }
    rendering = true;
    const since = received;
    received = null;
    do { again = false; await render(); } while (again);
    rendering = false;
    if (since === null) return;
    // A task queued in a frame's callback runs once that frame is painted.
    const seq = LV.seq;
    setTimeout(() => {
      LV.timings.show = performance.now() - since;
      document.body.dataset.shownSeq = String(seq);
      document.body.dataset.shownAt = String(Date.now());
    });
  });
}

function receive(delta) {
  if (delta.seq <= LV.seq) return; // already had (a stream that caught up after a load)
  if (delta.seq !== LV.seq + 1) return reload(); // a gap: the whole state again
  const started = performance.now();
  if (received === null) received = started;
  document.body.dataset.receivedAt = String(Date.now());
  applyDelta(delta);
  LV.seq = delta.seq;
  LV.timings.apply = performance.now() - started;
  scheduleRender();
}

// The whole state again (a reset, a page too far behind, a lost stream), retried while the
// server is away.
async function reload() {
  try {
    await refresh();
    await render();
  } catch (e) {
    toast(e.message);
    if (!events) setTimeout(reload, 1000);
  }
}

// The partition's live updates from `LV.seq` on, one stream at a time (each load opens its own).
let events = null;
function listen() {
  if (events) events.close();
  const live = document.getElementById("live");
  live.classList.remove("on");
  const { account, region } = LV.partition;
  const source = events = new EventSource(API + "events?" + new URLSearchParams({ account, region, seq: LV.seq }));
  source.addEventListener("ready", () => live.classList.add("on"));
  source.addEventListener("delta", (e) => source === events && receive(JSON.parse(e.data)));
  source.addEventListener("reload", () => source === events && reload());
  source.onerror = () => {
    source.close();
    if (source !== events) return;
    live.classList.remove("on");
    events = null;
    setTimeout(reload, 1000);
  };
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
