// ESLint over every TypeScript file (typescript-eslint's recommended rules); Prettier owns layout.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/", "out/", "docs/"] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        rules: {
            // `const { dropped: _dropped, ...kept } = x` is how a key is left out of a copy.
            "@typescript-eslint/no-unused-vars": [
                "error",
                { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true },
            ],
        },
    },
    {
        // The checks and the tests walk parsed YAML and JSON (rendered plans, chart values, Thanos
        // documents) whose shape is exactly what they verify: `any` is the honest type there. The
        // program itself stays typed.
        files: ["offline/**/*.ts", "tests/**/*.ts"],
        rules: { "@typescript-eslint/no-explicit-any": "off" },
    },
    {
        // The TypeScript loader itself is plain CommonJS run by Node.js.
        files: ["**/*.cjs"],
        languageOptions: {
            sourceType: "commonjs",
            globals: {
                require: "readonly",
                module: "writable",
                __dirname: "readonly",
                process: "readonly",
                console: "readonly",
            },
        },
        rules: { "@typescript-eslint/no-require-imports": "off" },
    },
);
