// The policy pack: `pulumi preview --policy-pack policy` (and `pulumi up`) enforce the rules of
// ./rules.ts on what a real deployment is about to change.

import { PolicyPack } from "@pulumi/policy";
import { policies } from "./rules";

new PolicyPack("thanos-multicluster", { policies });
