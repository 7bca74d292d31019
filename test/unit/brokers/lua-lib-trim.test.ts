import { describe, expect, it } from 'vitest';
import { trimLib } from '../../../src/brokers/redis/lua-lib-trim.js';

const LIB = `--[[ header ]]
local P = ARGV[1]

local function a()
  return P
end

-- b uses a
local function b()
  return a()
end

local unused_table = {}
local function c()
  return unused_table
end

local late
local function d()
  return late()
end

late = function()
  return 1
end
redis.setresp(3)
`;

describe('trimLib', () => {
  it('keeps the header, what the script names and what that names, in the lib order', () => {
    const out = trimLib(LIB, 'return b()');
    expect(out).toContain('--[[ header ]]');
    expect(out).toContain('local function a()');
    expect(out).toContain('local function b()');
    expect(out).toContain('local P = ARGV[1]');
    expect(out).not.toContain('local function c()');
    expect(out).not.toContain('unused_table');
    expect(out.indexOf('local function a()')).toBeLessThan(out.indexOf('local function b()'));
  });

  it('keeps the body of a forward-declared local with its declaration, and any other top-level statement', () => {
    const out = trimLib(LIB, 'return d()');
    expect(out).toContain('local late\n');
    expect(out).toContain('late = function()');
    expect(out).toContain('redis.setresp(3)');
    expect(trimLib(LIB, 'return 1')).not.toContain('late = function()');
  });
});
