import { expect, test } from "bun:test";
import { parseComponentName } from "./component.ts";
import { formatImageReference, imageRepository, parseImageReference } from "./image.ts";

const nameError = (message: string) => expect.objectContaining({ name: "NameError", message });

const GOOD_DOMAIN = "1234567890abcdef0f9ed8c7654b32a1";

test.each([
  ["localhost:5000", `${GOOD_DOMAIN}:some-server@1.2.3`],
  ["registry.example.com", `${GOOD_DOMAIN}:s@10.0.456-pre-release5`],
  // The registry part may be empty; the pattern allows it.
  ["", `${GOOD_DOMAIN}:s@1.0.0`],
])("an image from %p names %p", (registry, component) => {
  const name = parseComponentName(component);
  const image = `${registry}/${GOOD_DOMAIN}/${name.server}:${name.version}`;
  const reference = parseImageReference(image);
  expect(reference).toEqual({ registry, component: name });
  expect(formatImageReference(reference)).toBe(image);
});

test("the repository is domain/server and the tag is the version", () => {
  const { component } = parseImageReference(`localhost:5000/${GOOD_DOMAIN}/some-server:1.2.3`);
  expect(imageRepository(component)).toBe(`${GOOD_DOMAIN}/some-server`);
  expect<string>(component.version).toBe("1.2.3");
});

test.each([
  // No registry.
  `${GOOD_DOMAIN}/some-server:1.2.3`,
  // No tag.
  `localhost:5000/${GOOD_DOMAIN}/some-server`,
  // A registry with a path: the domain is then the wrong part.
  `example.com/path/${GOOD_DOMAIN}/some-server:1.2.3`,
  // The server runs up to the first `:`, so the version takes the rest.
  `localhost:5000/${GOOD_DOMAIN}/some-server:1.2.3:4`,
  `localhost:5000/${GOOD_DOMAIN.toUpperCase()}/some-server:1.2.3`,
  `localhost:5000/${GOOD_DOMAIN}/Some-Server:1.2.3`,
  `localhost:5000/${GOOD_DOMAIN}/some-server:latest`,
  `localhost:5000/${GOOD_DOMAIN}/some/server:1.2.3`,
  "",
  'quote"/d/s:1.0.0',
])("%p is not a Vimana image", (image) => {
  expect(() => parseImageReference(image)).toThrow(
    nameError(`Invalid image ID: ${JSON.stringify(image)}`),
  );
});
