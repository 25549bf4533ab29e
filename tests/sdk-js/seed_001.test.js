// Seed 001's network (a VPC with an internet gateway, an ENI with a secondary IP as an
// instance's eth0 and an Elastic IP per private IP) built with the AWS SDK for JavaScript v3,
// configured as a user's program is: the endpoint from AWS_ENDPOINT_URL_EC2, credentials and
// region from the environment. tests/e2e/test_sdks.py runs it against a fresh server.
import assert from "node:assert/strict";
import { test } from "node:test";
import { EC2, waitUntilInstanceRunning, waitUntilInstanceTerminated } from "@aws-sdk/client-ec2";

test("seed 001's network", async () => {
  const endpoint = process.env.AWS_ENDPOINT_URL_EC2 ?? "";
  assert.match(endpoint, /^http:\/\/127\.0\.0\.1:/, "only ever against localvpc");
  const ec2 = new EC2({});
  const waiter = { client: ec2, maxWaitTime: 60 };

  const { Vpc } = await ec2.createVpc({ CidrBlock: "192.168.1.0/24" });
  const vpc = Vpc.VpcId;
  const { Subnet } = await ec2.createSubnet({ VpcId: vpc, CidrBlock: "192.168.1.0/24" });
  assert.equal(Subnet.AvailableIpAddressCount, 251);
  const subnet = Subnet.SubnetId;
  const igw = (await ec2.createInternetGateway({})).InternetGateway.InternetGatewayId;
  await ec2.attachInternetGateway({ InternetGatewayId: igw, VpcId: vpc });
  const { RouteTables } = await ec2.describeRouteTables({ Filters: [{ Name: "vpc-id", Values: [vpc] }] });
  const table = RouteTables[0].RouteTableId;
  await ec2.createRoute({ RouteTableId: table, DestinationCidrBlock: "0.0.0.0/0", GatewayId: igw });
  const group = (await ec2.createSecurityGroup({ GroupName: "vpc_standalone", Description: "standalone in VPC", VpcId: vpc })).GroupId;
  for (const port of [22, 25, 80]) {
    await ec2.authorizeSecurityGroupIngress({
      GroupId: group,
      IpPermissions: [{ IpProtocol: "tcp", FromPort: port, ToPort: port, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
    });
  }

  const { NetworkInterface } = await ec2.createNetworkInterface({
    SubnetId: subnet,
    Description: "ENI-01 for standalone",
    PrivateIpAddress: "192.168.1.100",
    Groups: [group],
  });
  const eni = NetworkInterface.NetworkInterfaceId;
  await ec2.assignPrivateIpAddresses({ NetworkInterfaceId: eni, PrivateIpAddresses: ["192.168.1.101"] });

  const launched = await ec2.runInstances({
    ImageId: "ami-20ad1221",
    InstanceType: "t1.micro",
    MinCount: 1,
    MaxCount: 1,
    NetworkInterfaces: [{ DeviceIndex: 0, NetworkInterfaceId: eni }],
  });
  const instance = launched.Instances[0].InstanceId;
  await waitUntilInstanceRunning(waiter, { InstanceIds: [instance] });

  const allocations = [];
  for (const ip of ["192.168.1.100", "192.168.1.101"]) {
    const { AllocationId } = await ec2.allocateAddress({ Domain: "vpc" });
    await ec2.associateAddress({ AllocationId, NetworkInterfaceId: eni, PrivateIpAddress: ip });
    allocations.push(AllocationId);
  }
  const { Reservations } = await ec2.describeInstances({ InstanceIds: [instance] });
  const i = Reservations[0].Instances[0];
  assert.equal(i.PrivateIpAddress, "192.168.1.100");
  assert.equal(i.NetworkInterfaces.length, 1);
  const seen = i.NetworkInterfaces[0].PrivateIpAddresses.map((p) => [p.PrivateIpAddress, Boolean(p.Association?.PublicIp)]);
  assert.deepEqual(seen.sort(), [["192.168.1.100", true], ["192.168.1.101", true]]);

  // Tear down in the order AWS requires; nothing of the network is left.
  for (const AllocationId of allocations) {
    const { Addresses } = await ec2.describeAddresses({ AllocationIds: [AllocationId] });
    await ec2.disassociateAddress({ AssociationId: Addresses[0].AssociationId });
    await ec2.releaseAddress({ AllocationId });
  }
  await ec2.terminateInstances({ InstanceIds: [instance] });
  await waitUntilInstanceTerminated(waiter, { InstanceIds: [instance] });
  await ec2.deleteNetworkInterface({ NetworkInterfaceId: eni });
  await ec2.deleteSecurityGroup({ GroupId: group });
  await ec2.deleteSubnet({ SubnetId: subnet });
  await ec2.detachInternetGateway({ InternetGatewayId: igw, VpcId: vpc });
  await ec2.deleteInternetGateway({ InternetGatewayId: igw });
  await ec2.deleteVpc({ VpcId: vpc });
  const left = await ec2.describeVpcs({ Filters: [{ Name: "cidr-block", Values: ["192.168.1.0/24"] }] });
  assert.deepEqual(left.Vpcs, []);
  assert.deepEqual((await ec2.describeAddresses({})).Addresses, []);
});
