import { describe, expect, it } from 'vitest';
import { fillVariables, todayText } from './variables';

const values = { guest_name: '山田', staff_name: '担当 一郎', store_name: '茶房みどり', today: '12月3日（木）' };

describe('canned response variables', () => {
  it('fills Japanese and English names alike', () => {
    expect(fillVariables('{ゲスト名}様、{店舗名}の{担当者名}です。{今日}', values)).toBe(
      '山田様、茶房みどりの担当 一郎です。12月3日（木）',
    );
    expect(fillVariables('Dear {guest_name}, {staff_name} of {store_name} ({today})', values)).toBe(
      'Dear 山田, 担当 一郎 of 茶房みどり (12月3日（木）)',
    );
  });

  it('never doubles an honorific the name already has', () => {
    for (const name of ['山田様', '山田さん', '山田さま']) {
      expect(fillVariables('{ゲスト名}様、こんにちは', { ...values, guest_name: name })).toBe(`${name}、こんにちは`);
    }
    expect(fillVariables('{ゲスト名}さん', { ...values, guest_name: '山田様' })).toBe('山田様');
    expect(fillVariables('{ゲスト名}様', values)).toBe('山田様');
    // Only the honorific right after the name is dropped.
    expect(fillVariables('{ゲスト名}、様子はいかがですか', { ...values, guest_name: '山田さん' })).toBe(
      '山田さん、様子はいかがですか',
    );
  });

  it('leaves unknown names and stray braces as written', () => {
    expect(fillVariables('{お名前} { } {', values)).toBe('{お名前} { } {');
    // A value holding braces is not read again.
    expect(fillVariables('{ゲスト名}様', { ...values, guest_name: '{店舗名}' })).toBe('{店舗名}様');
  });

  it('writes today in the reader’s calendar', () => {
    expect(todayText(new Date(2026, 11, 3), 'ja')).toBe('12月3日（木）');
    expect(todayText(new Date(2026, 11, 3), 'en')).toBe('Thu 3 Dec');
  });
});
