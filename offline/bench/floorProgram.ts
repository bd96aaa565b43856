// The benchmark's floor: a Pulumi program that loads the SDKs the real program uses and registers
// one resource of each (and reads one StackReference on the central stack), under the same mock
// engine and through the same render. What the render costs beyond this is the program's own.

import { Provider as AwsProvider } from "@pulumi/aws/provider";
import { Bucket } from "@pulumi/aws/s3";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";

const stack = pulumi.getStack();
const provider = new k8s.Provider("floor", { context: stack });
new k8s.core.v1.ConfigMap(
    "floor",
    { metadata: { name: "floor", namespace: "monitoring" }, data: { stack } },
    { provider },
);
new k8s.helm.v3.Release("floor", { name: "floor", chart: "floor", namespace: "monitoring", values: {} }, { provider });
new random.RandomPassword("floor", { length: 16 });
new tls.PrivateKey("floor", { algorithm: "ECDSA", ecdsaCurve: "P256" });
const awsProvider = new AwsProvider("floor", { region: "us-east-1", skipCredentialsValidation: true });
new Bucket("floor", { bucket: `floor-${stack}` }, { provider: awsProvider });

export const clusterName = stack;
