// The console's list and detail pages, its actions and the "why can't A reach B" page.
"use strict";
(() => {
const { h, link, tagsOf, nameOf, list, toast, ec2, renderMap } = window.lv;
const LV = window.LV, Index = window.Index, PAGES = window.PAGES;

const table = (heads, rows) => h("table", {}, h("thead", {}, h("tr", {}, heads.map((t) => h("th", {}, t)))),
  h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c))))));
const kv = (pairs) => h("dl", { class: "kv" }, pairs.filter(([, v]) => v !== undefined && v !== null && v !== "").map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
const tagTable = (r) => tagsOf(r).length ? [h("h3", {}, "Tags"), table(["Key", "Value"], tagsOf(r).map((t) => [t.Key, t.Value]))] : null;
const ref = (id) => {
  if (!id) return "";
  const page = { eni: "eni", i: "instance", sg: "sg", rtb: "rtb", acl: "acl" }[id.split("-")[0]];
  return page ? link(`#/${page}/${id}`, id) : id;
};

// Runs an action, shows AWS's error as it is, and reloads (the event stream reloads other pages).
async function act(label, steps) {
  try {
    for (const [action, params] of steps) await ec2(action, params);
    toast("");
    document.body.dataset.lastAction = label + ": ok";
  } catch (e) {
    toast(e.message);
    document.body.dataset.lastAction = label + ": " + e.message;
  }
}
const button = (text, onclick, attrs) => h("button", Object.assign({ type: "button", onclick }, attrs || {}), text);

// ---- Network interfaces ---------------------------------------------------------------
const ENI_FILTERS = ["subnet-id", "vpc-id", "availability-zone", "status", "private-ip-address", "addresses.private-ip-address",
  "mac-address", "attachment.instance-id", "attachment.device-index", "attachment.status", "group-id", "group-name",
  "association.public-ip", "description", "source-dest-check", "interface-type", "network-interface-id", "tag:Name", "tag-key"];

PAGES.enis = async (view) => {
  const filters = LV.eniFilters || (LV.eniFilters = []);
  let answer = [];
  const params = {};
  filters.forEach((f, i) => { params[`Filter.${i + 1}.Name`] = f.name; params[`Filter.${i + 1}.Value.1`] = f.value; });
  try {
    answer = (await ec2("DescribeNetworkInterfaces", params)).NetworkInterfaces || [];
  } catch (e) { view.append(h("p", { class: "error" }, e.message)); }
  const search = h("input", { type: "search", id: "eni-search", placeholder: "search IDs, addresses, MACs, names…", value: LV.eniSearch || "" });
  const name = h("select", { id: "filter-name" }, ENI_FILTERS.map((f) => h("option", {}, f)));
  const value = h("input", { id: "filter-value", placeholder: "value (* and ? wildcards)" });
  const rows = answer.map((e) => {
    const ips = (e.PrivateIpAddresses || []).map((ip) => {
      const pub = Index.publicOf(e, ip);
      return ip.PrivateIpAddress + (pub ? ` (${pub.elastic ? "EIP" : "public"} ${pub.ip})` : "");
    }).join(", ");
    const text = [e.NetworkInterfaceId, e.MacAddress, ips, e.Description, nameOf(e), e.SubnetId, e.VpcId, (e.Attachment || {}).InstanceId].join(" ").toLowerCase();
    return { text, cells: [ref(e.NetworkInterfaceId), nameOf(e), e.Status, e.SubnetId, e.Attachment ? [ref(e.Attachment.InstanceId), ` eth${e.Attachment.DeviceIndex}`] : "", e.MacAddress, ips,
      (e.Groups || []).map((g) => [ref(g.GroupId), " "]), String(e.SourceDestCheck)] };
  });
  const body = h("tbody");
  const fill = () => {
    const q = search.value.trim().toLowerCase();
    LV.eniSearch = search.value;
    body.replaceChildren(...rows.filter((r) => !q || r.text.includes(q)).map((r) => h("tr", { class: "eni-row" }, r.cells.map((c) => h("td", {}, c)))));
  };
  search.addEventListener("input", fill);
  fill();
  view.append(h("h2", {}, "Network interfaces"),
    h("div", { class: "toolbar" }, search, name, value,
      button("Add filter", () => { if (value.value) { filters.push({ name: name.value, value: value.value }); window.lvRender(); } }, { id: "add-filter" })),
    h("div", { class: "chips" }, filters.map((f, i) => h("span", { class: "chip" }, `${f.name} = ${f.value} `,
      button("×", () => { filters.splice(i, 1); window.lvRender(); }, { "aria-label": "remove filter" })))),
    h("table", { id: "eni-table" }, h("thead", {}, h("tr", {}, ["ID", "Name", "Status", "Subnet", "Attached to", "MAC", "Private IPs", "Groups", "Src/dst check"].map((t) => h("th", {}, t)))), body));
};

PAGES.eni = async (view, id) => {
  const e = Index.byId.get(id);
  if (!e) return view.append(h("p", { class: "error" }, `The network interface ID '${id}' does not exist`));
  const att = e.Attachment;
  const instances = Index.instances.filter((i) => !["terminated", "shutting-down"].includes((i.State || {}).Name));
  const instanceSelect = (sel) => h("select", { id: sel }, instances.filter((i) => !att || i.InstanceId !== att.InstanceId)
    .map((i) => h("option", { value: i.InstanceId }, `${i.InstanceId} ${nameOf(i)}`)));
  const target = instanceSelect("move-target");
  const device = h("input", { id: "move-device", type: "number", min: 0, value: att ? att.DeviceIndex : 1 });
  const actions = [];
  if (att) {
    actions.push(button("Detach", () => act("detach", [["DetachNetworkInterface", { AttachmentId: att.AttachmentId }]]), { id: "detach" }),
      h("span", { class: "group" }, "Move to ", target, " as device ", device,
        button("Move", () => act("move", [["DetachNetworkInterface", { AttachmentId: att.AttachmentId }],
          ["AttachNetworkInterface", { NetworkInterfaceId: id, InstanceId: target.value, DeviceIndex: device.value }]]), { id: "move" })));
  } else {
    actions.push(h("span", { class: "group" }, "Attach to ", target, " as device ", device,
      button("Attach", () => act("attach", [["AttachNetworkInterface", { NetworkInterfaceId: id, InstanceId: target.value, DeviceIndex: device.value }]]), { id: "attach" })));
  }
  const free = list("DescribeAddresses", "Addresses").filter((a) => !a.AssociationId && a.Domain === "vpc");
  const eipRows = (e.PrivateIpAddresses || []).map((ip) => {
    const pub = Index.publicOf(e, ip);
    const eip = list("DescribeAddresses", "Addresses").find((a) => a.NetworkInterfaceId === id && a.PrivateIpAddress === ip.PrivateIpAddress);
    const pick = h("select", { class: "eip-pick" }, free.map((a) => h("option", { value: a.AllocationId }, `${a.PublicIp} (${a.AllocationId})`)));
    const control = eip
      ? button("Disassociate", () => act("disassociate", [["DisassociateAddress", { AssociationId: eip.AssociationId }]]), { class: "disassociate" })
      : free.length ? h("span", {}, pick, button("Associate", () => act("associate", [["AssociateAddress", { AllocationId: pick.value, NetworkInterfaceId: id, PrivateIpAddress: ip.PrivateIpAddress }]]), { class: "associate" })) : h("span", { class: "muted" }, "no free Elastic IP");
    return [ip.PrivateIpAddress, ip.Primary ? "primary" : "secondary", pub ? `${pub.ip}${pub.elastic ? " (Elastic IP)" : ""}` : "", control];
  });
  view.append(h("h2", {}, "Network interface ", id), nameOf(e) ? h("p", { class: "name" }, nameOf(e)) : null,
    kv([["Status", e.Status], ["Description", e.Description], ["Type", e.InterfaceType], ["VPC", e.VpcId], ["Subnet", e.SubnetId], ["Zone", e.AvailabilityZone],
      ["MAC", e.MacAddress], ["Source/dest check", String(e.SourceDestCheck)], ["Owner", e.OwnerId],
      ["Attachment", att ? [ref(att.InstanceId), ` device ${att.DeviceIndex}, card ${att.NetworkCardIndex ?? 0}, ${att.Status}, ${att.AttachmentId}, delete on termination ${att.DeleteOnTermination}`] : "none"]]),
    h("div", { class: "actions" }, actions),
    h("h3", {}, "Addresses"), table(["Private", "", "Public", "Elastic IP"], eipRows),
    (e.Ipv6Addresses || []).length ? table(["IPv6"], e.Ipv6Addresses.map((a) => [a.Ipv6Address])) : null,
    h("h3", {}, "Security groups"), h("ul", {}, (e.Groups || []).map((g) => h("li", {}, ref(g.GroupId), " ", g.GroupName))),
    tagTable(e));
};

// ---- Instances --------------------------------------------------------------------------
PAGES.instance = async (view, id) => {
  const i = Index.byId.get(id);
  if (!i) return view.append(h("p", { class: "error" }, `The instance ID '${id}' does not exist`));
  const state = (i.State || {}).Name;
  const enis = Index.enisOf(id);
  view.append(h("h2", {}, "Instance ", id), nameOf(i) ? h("p", { class: "name" }, nameOf(i)) : null,
    kv([["State", state], ["Type", i.InstanceType], ["Image", i.ImageId], ["VPC", i.VpcId], ["Subnet", i.SubnetId], ["Private IP", i.PrivateIpAddress],
      ["Public IP", i.PublicIpAddress], ["Source/dest check", String(i.SourceDestCheck)], ["Zone", (i.Placement || {}).AvailabilityZone]]),
    h("div", { class: "actions" },
      button("Stop", () => act("stop", [["StopInstances", { "InstanceId.1": id }]]), { id: "stop", disabled: state !== "running" }),
      button("Start", () => act("start", [["StartInstances", { "InstanceId.1": id }]]), { id: "start", disabled: state !== "stopped" })),
    h("h3", {}, "Network interfaces"),
    table(["Device", "ENI", "Subnet", "VPC", "MAC", "Private IPs", "Public", "Groups", "Src/dst check", "Attachment"], enis.map((e) => [
      `eth${e.Attachment.DeviceIndex}`, ref(e.NetworkInterfaceId), e.SubnetId, e.VpcId, e.MacAddress,
      (e.PrivateIpAddresses || []).map((p) => p.PrivateIpAddress).join(", "),
      (e.PrivateIpAddresses || []).map((p) => Index.publicOf(e, p)).filter(Boolean).map((p) => p.ip + (p.elastic ? " (EIP)" : "")).join(", "),
      (e.Groups || []).map((g) => [ref(g.GroupId), " "]), String(e.SourceDestCheck), `${e.Attachment.AttachmentId} ${e.Attachment.Status}`])),
    tagTable(i));
  const imds = h("div", { id: "imds" }, h("p", { class: "muted" }, "Loading metadata…"));
  const guest = h("div", { id: "guest" });
  view.append(h("h3", {}, "Instance metadata (IMDS)"), imds, h("h3", {}, "Inside the guest"), guest);
  try {
    const leaves = await window.lv.api("imds?" + new URLSearchParams({ instance: id }));
    imds.replaceChildren(leaves.length ? table(["Path", "Value"], leaves.map((l) => [h("code", {}, l.path), h("pre", {}, l.value)])) : h("p", { class: "muted" }, "No metadata (the instance is gone)."));
  } catch (e) { imds.replaceChildren(h("p", { class: "error" }, e.message)); }
  try {
    const g = await window.lv.api("guest?" + new URLSearchParams({ instance: id }));
    guest.replaceChildren(g.available ? g.outputs.map((o) => [h("h4", {}, o.title), h("pre", { class: "guest-output" }, o.text)])
      : h("p", { class: "muted" }, g.reason || "Start the server with --dataplane to see the guest's own ip addr, ip rule and ip route."));
  } catch (e) { guest.replaceChildren(h("p", { class: "error" }, e.message)); }
};

// ---- Security groups, route tables, ACLs -----------------------------------------------
const ports = (p) => (p.IpProtocol === "-1" ? "all" : p.FromPort === p.ToPort ? String(p.FromPort) : `${p.FromPort}-${p.ToPort}`);
const sources = (p) => [].concat((p.IpRanges || []).map((r) => r.CidrIp), (p.Ipv6Ranges || []).map((r) => r.CidrIpv6),
  (p.UserIdGroupPairs || []).map((g) => g.GroupId), (p.PrefixListIds || []).map((l) => l.PrefixListId)).join(", ");
const rules = (perms) => table(["Protocol", "Ports", "Peers"], (perms || []).map((p) => [p.IpProtocol === "-1" ? "all" : p.IpProtocol, ports(p), sources(p)]));

PAGES.sg = async (view, id) => {
  const g = Index.byId.get(id);
  if (!g) return view.append(h("p", { class: "error" }, `The security group '${id}' does not exist`));
  const members = list("DescribeNetworkInterfaces", "NetworkInterfaces").filter((e) => (e.Groups || []).some((x) => x.GroupId === id));
  view.append(h("h2", {}, "Security group ", id), kv([["Name", g.GroupName], ["Description", g.Description], ["VPC", g.VpcId]]),
    h("h3", {}, "Inbound rules"), rules(g.IpPermissions), h("h3", {}, "Outbound rules"), rules(g.IpPermissionsEgress),
    h("h3", {}, "Network interfaces"), h("ul", {}, members.map((e) => h("li", {}, ref(e.NetworkInterfaceId), " ", e.PrivateIpAddress))), tagTable(g));
};

PAGES.rtb = async (view, id) => {
  const t = Index.byId.get(id);
  if (!t) return view.append(h("p", { class: "error" }, `The route table '${id}' does not exist`));
  view.append(h("h2", {}, "Route table ", id), kv([["VPC", t.VpcId], ["Main", String((t.Associations || []).some((a) => a.Main))]]),
    h("h3", {}, "Routes"), table(["Destination", "Target", "State", "Origin"], (t.Routes || []).map((r) => [
      r.DestinationCidrBlock || r.DestinationIpv6CidrBlock || r.DestinationPrefixListId,
      ref(r.GatewayId || r.NatGatewayId || r.NetworkInterfaceId || r.InstanceId || r.VpcPeeringConnectionId || r.EgressOnlyInternetGatewayId),
      r.State, r.Origin])),
    h("h3", {}, "Associations"), table(["Subnet", "Main", "Association"], (t.Associations || []).map((a) => [a.SubnetId || a.GatewayId || "", String(!!a.Main), a.RouteTableAssociationId])),
    tagTable(t));
};

PAGES.acl = async (view, id) => {
  const a = Index.byId.get(id);
  if (!a) return view.append(h("p", { class: "error" }, `The network ACL '${id}' does not exist`));
  const entries = (egress) => table(["Rule", "Protocol", "Ports", "CIDR", "Action"], (a.Entries || []).filter((e) => e.Egress === egress)
    .sort((x, y) => x.RuleNumber - y.RuleNumber).map((e) => [e.RuleNumber === 32767 ? "*" : String(e.RuleNumber), e.Protocol === "-1" ? "all" : e.Protocol,
      e.PortRange ? `${e.PortRange.From}-${e.PortRange.To}` : "all", e.CidrBlock || e.Ipv6CidrBlock, e.RuleAction]));
  view.append(h("h2", {}, "Network ACL ", id), kv([["VPC", a.VpcId], ["Default", String(a.IsDefault)]]),
    h("h3", {}, "Inbound"), entries(false), h("h3", {}, "Outbound"), entries(true),
    h("h3", {}, "Subnets"), h("ul", {}, (a.Associations || []).map((x) => h("li", {}, x.SubnetId))), tagTable(a));
};

// ---- Why can't A reach B -------------------------------------------------------------------
// Fixes for AWS's explanation codes, in the words of the console.
function fixFor(x, q) {
  const code = x.ExplanationCode || "";
  const sg = (x.SecurityGroup || {}).Id || ((x.SecurityGroups || [])[0] || {}).Id;
  if (code.includes("SG") || code.includes("SECURITY_GROUP")) return `Add a rule to ${sg || "the security group"} allowing ${q.protocol} port ${q.port || "the port"}${(x.Direction || "") === "egress" ? " outbound" : " inbound"}.`;
  if (code.includes("ACL")) return `Add an allow entry for ${q.protocol} port ${q.port || "the port"} to ${(x.Acl || {}).Id || "the network ACL"} with a lower rule number than the deny.`;
  if (code.includes("ROUTE") || code.includes("NO_ROUTE")) return `Add a route to ${(x.RouteTable || {}).Id || "the subnet's route table"} towards the destination (or replace the blackhole route).`;
  if (code.includes("SOURCE_DEST")) return "Turn off the source/destination check of the interface forwarding the traffic.";
  if (code.includes("IGW") || code.includes("INTERNET")) return "Attach an internet gateway, route 0.0.0.0/0 to it and give the instance a public address.";
  return "";
}
const idsOf = (x) => ["Component", "SecurityGroup", "Acl", "RouteTable", "NetworkInterface", "Subnet", "Vpc", "InternetGateway", "AttachedTo"]
  .map((k) => (x[k] || {}).Id).concat((x.SecurityGroups || []).map((g) => g.Id)).filter(Boolean);
function describeRule(c) {
  if (c.SecurityGroupRule) { const r = c.SecurityGroupRule; return `${r.SecurityGroupId} ${r.Direction} ${r.Protocol} ${r.PortRange ? r.PortRange.From + "-" + r.PortRange.To : "all"} ${r.Cidr || r.PrefixListId || ""}`; }
  if (c.AclRule) { const r = c.AclRule; return `rule ${r.RuleNumber} ${r.RuleAction} ${r.Egress ? "out" : "in"} ${r.Protocol} ${r.Cidr}`; }
  if (c.RouteTableRoute) return window.lv.routeSummary(Object.assign({ DestinationCidrBlock: c.RouteTableRoute.DestinationCidr }, c.RouteTableRoute));
  return "";
}

PAGES.why = async (view) => {
  const q = LV.why || (LV.why = { protocol: "tcp", port: "22" });
  const live = Index.instances.filter((i) => (i.State || {}).Name !== "terminated");
  const options = (selected) => [
    h("optgroup", { label: "Instances" }, live.map((i) => h("option", { value: i.InstanceId, selected: selected === i.InstanceId }, `${i.InstanceId} ${nameOf(i)}`))),
    h("optgroup", { label: "Network interfaces" }, list("DescribeNetworkInterfaces", "NetworkInterfaces").map((e) => h("option", { value: e.NetworkInterfaceId, selected: selected === e.NetworkInterfaceId }, `${e.NetworkInterfaceId} ${e.PrivateIpAddress}`))),
    h("optgroup", { label: "Internet gateways" }, list("DescribeInternetGateways", "InternetGateways").map((g) => h("option", { value: g.InternetGatewayId, selected: selected === g.InternetGatewayId }, g.InternetGatewayId)))];
  const source = h("select", { id: "why-source" }, options(q.source));
  const destination = h("select", { id: "why-destination" }, options(q.destination));
  const protocol = h("select", { id: "why-protocol" }, ["tcp", "udp"].map((p) => h("option", { selected: q.protocol === p }, p)));
  const port = h("input", { id: "why-port", type: "number", min: 0, max: 65535, value: q.port });
  const result = h("div", { id: "why-result" });
  const run = async () => {
    Object.assign(q, { source: source.value, destination: destination.value, protocol: protocol.value, port: port.value });
    try {
      const params = { Source: q.source, Destination: q.destination, Protocol: q.protocol, ClientToken: crypto.randomUUID() };
      if (q.port) params.DestinationPort = q.port;
      const path = (await ec2("CreateNetworkInsightsPath", params)).NetworkInsightsPath;
      let analysis = (await ec2("StartNetworkInsightsAnalysis", { NetworkInsightsPathId: path.NetworkInsightsPathId, ClientToken: crypto.randomUUID() })).NetworkInsightsAnalysis;
      // Start answers before the outcome is known (as on AWS): the outcome is Describe's.
      for (let n = 0; n === 0 || (analysis.Status === "running" && n < 50); n++) {
        if (n) await new Promise((r) => setTimeout(r, 100));
        analysis = (await ec2("DescribeNetworkInsightsAnalyses", { "NetworkInsightsAnalysisId.1": analysis.NetworkInsightsAnalysisId })).NetworkInsightsAnalyses[0];
      }
      q.analysis = analysis;
    } catch (e) { q.analysis = null; toast(e.message); }
    window.lvRender();
  };
  view.append(h("h2", {}, "Why can't A reach B"), h("form", { class: "toolbar", onsubmit: (e) => { e.preventDefault(); run(); } },
    h("label", {}, "Source ", source), h("label", {}, "Destination ", destination), h("label", {}, "Protocol ", protocol), h("label", {}, "Port ", port),
    h("button", { type: "submit", id: "why-run" }, "Analyze")), result);
  LV.highlight = null;
  const a = q.analysis;
  if (a) {
    const forward = (a.ForwardPathComponents || []).slice().sort((x, y) => x.SequenceNumber - y.SequenceNumber);
    const explanations = a.Explanations || [];
    const blocking = new Set(explanations.flatMap(idsOf).filter((id) => !id.startsWith("vpc-")));
    LV.highlight = { path: new Set(forward.map((c) => (c.Component || {}).Id)), blocking, findings: new Map(), order: forward.map((c) => (c.Component || {}).Id) };
    // Element.append writes an array as text: the sections are flattened first.
    result.append(...[h("p", { class: `verdict ${a.NetworkPathFound ? "reachable" : "blocked"}`, id: "why-verdict" },
      a.Status !== "succeeded" ? `Analysis ${a.Status}: ${a.StatusMessage || ""}` : a.NetworkPathFound ? "Reachable" : "Not reachable"),
    forward.length ? [h("h3", {}, "Hops"), h("ol", { class: "hops" }, forward.map((c) => h("li", {}, ref((c.Component || {}).Id), " ", describeRule(c))))] : null,
    explanations.length ? [h("h3", {}, "What blocks it"), h("ul", { class: "explanations" }, explanations.map((x) => h("li", { class: "explanation" },
      h("code", {}, x.ExplanationCode), " ", idsOf(x).map((id) => [ref(id), " "]), x.Direction ? `(${x.Direction})` : "", h("div", { class: "fix" }, fixFor(x, q)))))] : null].flat().filter(Boolean));
  }
  await lint(view);
  renderMap(view);
};

// `localvpc lint`'s findings on their own page: the list, then the map with each finding's
// resources marked.
PAGES.lint = async (view) => {
  LV.highlight = null;
  view.append(h("h2", {}, "Lint"));
  await lint(view);
  renderMap(view);
};

// Lint findings (`localvpc lint`) listed and marked on the map, when the server has them.
async function lint(view) {
  const { account, region } = LV.partition;
  let findings;
  try {
    findings = (await window.lv.api("lint?" + new URLSearchParams({ account, region }))).findings || [];
  } catch (e) {
    // The lint engine (`localvpc lint`) serves api/lint once it is in the build.
    return view.append(h("p", { class: "muted", id: "lint-absent" }, e.code === "404" ? "Lint findings: not in this build yet." : "Lint: " + e.message));
  }
  LV.highlight = LV.highlight || { path: new Set(), blocking: new Set(), findings: new Map(), order: [] };
  // Findings come most severe first: each resource's note is its most severe one.
  findings.forEach((f) => (f.resources || []).forEach((id) => LV.highlight.findings.has(id) || LV.highlight.findings.set(id, `${f.rule || f.code}: ${f.message}`)));
  view.append(h("h3", {}, "Lint findings"), findings.length ? h("ul", { id: "lint" }, findings.map((f) => h("li", { class: `finding ${f.severity || ""}` },
    h("span", { class: "severity" }, f.severity), " ", h("code", {}, f.code), " ", f.message, " ", (f.resources || []).map((id) => [ref(id), " "]), f.fix ? h("div", { class: "fix" }, f.fix) : null)))
    : h("p", { class: "muted" }, "No findings."));
}
})();
